#!/usr/bin/env bash
# Ensures a WebGPU adapter exists: when Dawn finds none (and we are on Linux), installs Mesa
# lavapipe via install-lavapipe.sh. Probing needs the `webgpu` package; before `npm ci` it
# may be absent, so we decide from the installed Vulkan drivers instead.
set -euo pipefail
cd "$(dirname "$0")/.."
probe() {
  [ -d node_modules/webgpu ] || return 1
  node scripts/probe-webgpu.mjs
}
if probe 2>/dev/null; then exit 0; fi
if [ "$(uname -s)" = Linux ]; then
  # A GPU driver may exist without node_modules yet; lavapipe is a safe addition either way.
  bash scripts/install-lavapipe.sh
fi
