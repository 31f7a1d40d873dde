/**
 * Picks the backend: WebGPU when an adapter exists, else the CPU reference backend with a
 * one-line notice — or, with PIPE_REQUIRE_WEBGPU=1, a PW8002 error instead.
 * PIPE_BACKEND=cpu forces the CPU backend.
 */
import type { Backend } from "./backend.js";
import { CpuBackend } from "./cpu-backend.js";
import { WebGpuBackend } from "./webgpu-backend.js";
import { setDefaultBackend } from "./default.js";
import {
  acquireGpu,
  sharedGpu,
  webgpuRequired,
  WebGpuUnavailableError,
  type AcquireOptions,
} from "../device/acquire.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export interface CreateBackendOptions {
  /** "auto" (default): WebGPU if available; "cpu": the CPU reference backend. */
  prefer?: "auto" | "webgpu" | "cpu";
  /** Adapter selection; when given, a device of its own is acquired instead of the shared one. */
  acquire?: AcquireOptions;
  /** Receives the one-line CPU-fallback notice (default: console.warn). */
  onNotice?: (message: string) => void;
  /** Make the result the default backend for tensor creation (default true). */
  setDefault?: boolean;
}

export const CPU_FALLBACK_NOTICE =
  "pipewright: no WebGPU adapter found; running on the CPU reference backend (slow)";

export async function createBackend(options: CreateBackendOptions = {}): Promise<Backend> {
  const prefer = options.prefer ?? (process.env.PIPE_BACKEND === "cpu" ? "cpu" : "auto");
  let backend: Backend;
  if (prefer === "cpu") {
    backend = new CpuBackend();
  } else {
    let ctx;
    try {
      ctx = options.acquire ? await acquireGpu(options.acquire) : await sharedGpu();
    } catch (err) {
      if (err instanceof WebGpuUnavailableError) {
        throw new PipeError(
          "PW8002",
          "no WebGPU adapter found and PIPE_REQUIRE_WEBGPU=1",
          {},
          "install a Vulkan driver (on Linux without a GPU: scripts/install-lavapipe.sh) or unset PIPE_REQUIRE_WEBGPU",
        );
      }
      throw err;
    }
    if (ctx) {
      backend = WebGpuBackend.forContext(ctx);
    } else {
      if (prefer === "webgpu" || webgpuRequired()) {
        throw new PipeError(
          "PW8002",
          "no WebGPU adapter found",
          {},
          "install a Vulkan/Metal/D3D12 driver",
        );
      }
      (options.onNotice ?? console.warn)(CPU_FALLBACK_NOTICE);
      backend = new CpuBackend();
    }
  }
  if (options.setDefault ?? true) setDefaultBackend(backend);
  return backend;
}
