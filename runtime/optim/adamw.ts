/**
 * AdamW with fp32 states (PyTorch semantics: decoupled weight decay, bias correction).
 * One fused kernel per parameter per step. CPU reference: runtime/kernels/adamw-cpu.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zeros, fromArray } from "../tensor/creation.js";
import { keep } from "../tensor/scope.js";
import { Optimizer, type StateArray } from "./optimizer.js";
import { adamwCpu, type AdamWHyper } from "../kernels/adamw-cpu.js";
import { encodeAdamW } from "../kernels/adamw.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Hyperparameters + the step-dependent scalars for the kernels. */
export function adamwHyper(
  o: Required<AdamWOptions>,
  lr: number,
  step: number,
  gradScale = 1,
): AdamWHyper {
  return {
    lr,
    beta1: o.betas[0],
    beta2: o.betas[1],
    eps: o.eps,
    weightDecay: o.weightDecay,
    step,
    gradScale,
  };
}

export function withDefaults(options: AdamWOptions): Required<AdamWOptions> {
  return {
    lr: options.lr ?? 1e-3,
    betas: options.betas ?? [0.9, 0.999],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? 0.01,
  };
}

interface Slot {
  m: Tensor;
  v: Tensor;
}

/** Runs the fp32 AdamW update of one parameter on its backend. */
export function adamwUpdate(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  h: AdamWHyper,
): void {
  if (param.backend.kind === "cpu") {
    const be = param.backend as CpuBackend;
    adamwCpu(be.floats(param), be.floats(grad), be.floats(m), be.floats(v), h);
  } else {
    const be = param.backend as WebGpuBackend;
    encodeAdamW(be.device, be.encoder(), {
      ...h,
      param: be.binding(param),
      grad: be.binding(grad),
      m: be.binding(m),
      v: be.binding(v),
      n: param.size,
    });
  }
}

export class AdamW extends Optimizer {
  readonly kind = "adamw";
  readonly options: Required<AdamWOptions>;
  /** Multiplies gradients in the update (e.g. a clipping factor); reset by you. */
  gradScale = 1;
  private readonly slots: (Slot | null)[];

  constructor(params: readonly Tensor[], options: AdamWOptions = {}) {
    const o = withDefaults(options);
    super(params, o.lr);
    this.options = o;
    this.slots = params.map(() => null);
  }

  protected update(param: Tensor, grad: Tensor, i: number): void {
    let slot = this.slots[i];
    if (!slot) {
      const opts = { backend: param.backend };
      slot = { m: keep(zeros(param.shape, opts)), v: keep(zeros(param.shape, opts)) };
      this.slots[i] = slot;
    }
    adamwUpdate(
      param,
      grad,
      slot.m,
      slot.v,
      adamwHyper(this.options, this.lr, this.stepCount, this.gradScale),
    );
  }

  protected hyper(): Record<string, number> {
    const o = this.options;
    return { beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay };
  }

  protected slotTensors(i: number): Record<string, Tensor> | null {
    const s = this.slots[i];
    return s ? { m: s.m, v: s.v } : null;
  }

  protected restoreSlot(i: number, arrays: Record<string, StateArray>): void {
    const p = this.params[i];
    for (const name of ["m", "v"]) {
      if (!(arrays[name] instanceof Float32Array) || arrays[name].length !== p.size) {
        throw new Error(`state '${name}' missing or of the wrong length`);
      }
    }
    this.dropSlot(i);
    const opts = { backend: p.backend };
    this.slots[i] = {
      m: keep(fromArray(arrays.m, p.shape, opts)),
      v: keep(fromArray(arrays.v, p.shape, opts)),
    };
  }

  protected dropSlot(i: number): void {
    const s = this.slots[i];
    s?.m.dispose();
    s?.v.dispose();
    this.slots[i] = null;
  }
}
