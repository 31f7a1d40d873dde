/**
 * Acquires a WebGPU device through Dawn (the `webgpu` package).
 *
 * Selection: `backend` / `adapter` options, or the env vars PIPE_WEBGPU_BACKEND
 * (vulkan|metal|d3d12|...) and PIPE_WEBGPU_ADAPTER (a substring of the adapter name).
 * Returns null when no adapter exists, so callers can fall back to the CPU reference backend;
 * with PIPE_REQUIRE_WEBGPU=1 the absence of an adapter is an error instead.
 *
 * Robustness: on llvmpipe (lavapipe) the device is created with Dawn's `disable_robustness`
 * toggle by default; PIPE_WEBGPU_ROBUSTNESS=1 (or `robustness: true`) keeps it. Measured at
 * 1024³ (subgroup-broadcast matmul, devices with and without it interleaved in one process, 16
 * pairs, load average 1–5 on 2 cores): faster in every pair, +19–22% GFLOP per CPU-second on
 * average, +12–14% near idle (best wall 14.7–14.9 → 16.8 GFLOP/s); the register-tiled kernel
 * and TF.js's matmul unchanged within noise. On Vulkan, Tint adds no index clamps to
 * storage buffers (Dawn relies on the driver's robustBufferAccess); what the toggle removes is
 * the guard on every subgroupBroadcast/subgroupShuffle (subgroupAdd(1) at entry, then a
 * compare and select per broadcast: 128 per 8-k chunk of the matmul), the loop-termination
 * counters and the clamps on function/workgroup arrays. llvmpipe keeps bounds-checking storage
 * buffers on its own (a shader with only buffer accesses compiles to identical llvmpipe IR with
 * and without the toggle, and an out-of-binding write is still dropped), so a storage-buffer index
 * bug stays memory-safe there. On other adapters robustness stays on (PIPE_WEBGPU_ROBUSTNESS=0
 * turns it off everywhere, for experiments only): there an out-of-range index would be
 * undefined behaviour. Kernels bound their own indices either way (see docs/runtime.md).
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
  /** False when the device was created with Dawn's `disable_robustness` toggle. */
  robust: boolean;
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
  /**
   * Keep Dawn's robustness (true), turn it off (false), or "auto" (default): off on llvmpipe /
   * lavapipe only. Env PIPE_WEBGPU_ROBUSTNESS=1 / =0 overrides "auto".
   */
  robustness?: boolean | "auto";
}

const DISABLE_ROBUSTNESS = "enable-dawn-features=disable_robustness";

/** llvmpipe (Mesa's lavapipe): the software adapter whose own buffer bounds checks we rely on. */
export function isLlvmpipe(info: GPUAdapterInfo): boolean {
  return /llvmpipe|lavapipe/i.test(`${info.description} ${info.device} ${info.architecture}`);
}

function robustnessSetting(options: AcquireOptions): boolean | "auto" {
  if (options.robustness !== undefined) return options.robustness;
  const env = process.env.PIPE_WEBGPU_ROBUSTNESS;
  if (env === "1") return true;
  if (env === "0") return false;
  return "auto";
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
  const setting = robustnessSetting(options);
  // Dawn toggles reach the device only through the instance's flags (`create`), so "auto" first
  // finds the adapter with robustness on, then re-creates the instance without it on llvmpipe.
  const requestAdapter = async (withFlags: string[]): Promise<GPUAdapter | null> => {
    try {
      const gpu = create(withFlags);
      // The Dawn instance must outlive every device made from it: if it is garbage-collected,
      // its event processing stops (promises never settle) and its teardown crashes the process.
      liveInstances.push(gpu);
      return await gpu.requestAdapter({ powerPreference: "high-performance" });
    } catch (err) {
      return null;
    }
  };
  let robust = setting !== false;
  let adapter = await requestAdapter(robust ? flags : [...flags, DISABLE_ROBUSTNESS]);
  if (adapter && setting === "auto" && isLlvmpipe(adapter.info)) {
    const unguarded = await requestAdapter([...flags, DISABLE_ROBUSTNESS]);
    if (unguarded) {
      adapter = unguarded;
      robust = false;
    }
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
    robust,
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
