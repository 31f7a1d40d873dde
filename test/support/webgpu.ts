/**
 * WebGPU test gating. Without an adapter, WebGPU suites are skipped — unless
 * PIPE_REQUIRE_WEBGPU=1 (as in CI), where a missing adapter makes them fail instead.
 */
import { describe } from "vitest";
import { sharedGpu, webgpuRequired, type GpuContext } from "../../runtime/device/acquire.js";

let probed: GpuContext | null | undefined;

export async function webgpuAvailable(): Promise<boolean> {
  if (probed === undefined) probed = await sharedGpu().catch(() => null);
  return probed !== null;
}

/** The shared device; throws (fails the test) when none exists. */
export async function gpu(): Promise<GpuContext> {
  const ctx = await sharedGpu();
  if (!ctx) throw new Error("no WebGPU adapter (set up lavapipe: scripts/install-lavapipe.sh)");
  return ctx;
}

const available = webgpuRequired() ? true : await webgpuAvailable();

/** `describe` for WebGPU suites: skipped without an adapter unless PIPE_REQUIRE_WEBGPU=1. */
export const describeWebGPU = available ? describe : describe.skip;
