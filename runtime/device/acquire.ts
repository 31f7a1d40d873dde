/**
 * Acquires a WebGPU device through Dawn (the `webgpu` package).
 *
 * Selection: `backend` / `adapter` options, or the env vars PIPE_WEBGPU_BACKEND
 * (vulkan|metal|d3d12|...) and PIPE_WEBGPU_ADAPTER (a substring of the adapter name).
 * Returns null when no adapter exists, so callers can fall back to the CPU reference backend;
 * with PIPE_REQUIRE_WEBGPU=1 the absence of an adapter is an error instead.
 */
import { create, globals } from "webgpu";

export interface GpuContext {
  device: GPUDevice;
  /** Human-readable adapter description, e.g. "llvmpipe (LLVM 19.1.7, 256 bits) [vulkan]". */
  adapterName: string;
  /** Whether `shader-f16` was requested and granted. */
  hasF16: boolean;
  /** Whether `subgroups` was requested and granted (WGSL `enable subgroups;`). */
  hasSubgroups: boolean;
  /**
   * The adapter's subgroup size when it is fixed (subgroupMinSize == subgroupMaxSize, e.g. 8 on
   * llvmpipe with AVX2), else null; null too without `subgroups`.
   */
  subgroupSize: number | null;
  limits: GPUSupportedLimits;
  /** Set when the device was lost; every later submit should fail with this message. */
  lostReason?: string;
}

export interface AcquireOptions {
  backend?: string;
  adapter?: string;
  /** Request shader-f16 when the adapter offers it (default true). */
  wantF16?: boolean;
  /** Request subgroups when the adapter offers it (default true; PIPE_WEBGPU_SUBGROUPS=0 too). */
  wantSubgroups?: boolean;
}

const fixedSubgroupSizes = new WeakMap<GPUDevice, number>();

/**
 * The fixed subgroup size of a device acquired here with `subgroups` granted, else null.
 * Kernels whose lane layout assumes one subgroup size check this before using subgroup ops.
 */
export function fixedSubgroupSize(device: GPUDevice): number | null {
  return fixedSubgroupSizes.get(device) ?? null;
}

export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebGpuUnavailableError";
  }
}

const liveInstances: GPU[] = [];
let globalsInstalled = false;
function installGlobals(): void {
  if (globalsInstalled) return;
  // Dawn's GPUBufferUsage, GPUMapMode, ... constants are expected as globals by WebGPU code.
  Object.assign(globalThis, globals);
  globalsInstalled = true;
}

export function webgpuRequired(): boolean {
  return process.env.PIPE_REQUIRE_WEBGPU === "1";
}

export async function acquireGpu(options: AcquireOptions = {}): Promise<GpuContext | null> {
  installGlobals();
  const flags: string[] = [];
  const backend = options.backend ?? process.env.PIPE_WEBGPU_BACKEND;
  const adapterFilter = options.adapter ?? process.env.PIPE_WEBGPU_ADAPTER;
  if (backend) flags.push(`backend=${backend}`);
  if (adapterFilter) flags.push(`adapter=${adapterFilter}`);
  let adapter: GPUAdapter | null = null;
  try {
    const gpu = create(flags);
    // The Dawn instance must outlive every device made from it: if it is garbage-collected,
    // its event processing stops (promises never settle) and its teardown crashes the process.
    liveInstances.push(gpu);
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (err) {
    adapter = null;
  }
  if (!adapter) {
    if (webgpuRequired()) {
      throw new WebGpuUnavailableError(
        "no WebGPU adapter found and PIPE_REQUIRE_WEBGPU=1 (on Linux without a GPU, run scripts/install-lavapipe.sh)",
      );
    }
    return null;
  }
  const wantF16 = options.wantF16 ?? true;
  const hasF16 = wantF16 && adapter.features.has("shader-f16");
  const wantSubgroups =
    (options.wantSubgroups ?? true) && process.env.PIPE_WEBGPU_SUBGROUPS !== "0";
  const hasSubgroups = wantSubgroups && adapter.features.has("subgroups");
  const requiredFeatures: GPUFeatureName[] = hasF16 ? ["shader-f16"] : [];
  if (hasSubgroups) requiredFeatures.push("subgroups" as GPUFeatureName);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  const info = adapter.info;
  const sgInfo = info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const subgroupSize =
    hasSubgroups &&
    sgInfo.subgroupMinSize !== undefined &&
    sgInfo.subgroupMinSize > 0 &&
    sgInfo.subgroupMinSize === sgInfo.subgroupMaxSize
      ? sgInfo.subgroupMinSize
      : null;
  if (subgroupSize !== null) fixedSubgroupSizes.set(device, subgroupSize);
  const described = [info.description || info.device || "unknown adapter", info.architecture]
    .filter((s) => s && s.length > 0)
    .join(" ");
  const ctx: GpuContext = {
    device,
    adapterName: `${described}${info.vendor ? ` (${info.vendor})` : ""}`,
    hasF16,
    hasSubgroups,
    subgroupSize,
    limits: device.limits,
  };
  void device.lost.then((lost) => {
    if (lost.reason !== "destroyed") ctx.lostReason = lost.message || String(lost.reason);
  });
  return ctx;
}

let shared: Promise<GpuContext | null> | null = null;

/** One device per process, acquired on first use and destroyed at exit so Node can exit. */
export function sharedGpu(): Promise<GpuContext | null> {
  if (!shared) {
    shared = acquireGpu();
    process.once("exit", () => {
      void shared?.then((ctx) => ctx?.device.destroy());
    });
  }
  return shared;
}

/** Destroys the shared device (tests and the CLI call this when done). */
export async function releaseSharedGpu(): Promise<void> {
  if (!shared) return;
  const ctx = await shared;
  shared = null;
  ctx?.device.destroy();
}
