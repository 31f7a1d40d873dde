/**
 * The limits of this machine's WebGPU adapter, for the compiler's buffer-size check: with them a
 * buffer too large is an error (PW4002); without them the check compares with WebGPU's default
 * limits and only warns (PW4003). Acquiring the adapter loads Dawn, so only `pipe run` (before
 * training) and `--device` ask for it.
 */
import type { CheckOptions } from "../compiler/check.js";
import type { CliIo } from "./io.js";

export type AdapterLimits = Required<Pick<CheckOptions, "deviceLimits" | "adapterName">>;

/** Undefined when no adapter is available (the check then falls back to the defaults). */
export async function adapterLimits(): Promise<AdapterLimits | undefined> {
  const { sharedGpu } = await import("../runtime/device/acquire.js");
  const gpu = await sharedGpu().catch(() => null);
  return gpu ? { deviceLimits: gpu.limits, adapterName: gpu.adapterName } : undefined;
}

/** The adapter's limits for `--device`, or a notice that WebGPU's defaults stay in effect. */
export async function limitsOrNotice(io: CliIo): Promise<AdapterLimits | undefined> {
  const limits = await adapterLimits();
  if (!limits)
    io.stderr("note: no WebGPU adapter found; checking against WebGPU's default limits\n");
  return limits;
}
