/**
 * AdamW with 8-bit states (bitsandbytes-style blockwise dynamic quantisation of m and v; the
 * scheme is documented in runtime/kernels/adamw8bit-cpu.ts). As in bitsandbytes, parameters
 * with fewer than `minQuantizedSize` elements (default 4096) keep fp32 states. State memory
 * for a quantised parameter: 2 bytes per element + 8 bytes per 256-element block, vs 8
 * bytes per element in fp32.
 */
import type { Tensor } from "../tensor/tensor.js";
import { fromArray } from "../tensor/creation.js";
import { keep } from "../tensor/scope.js";
import { Optimizer, type StateArray } from "./optimizer.js";
import { adamwHyper, adamwUpdate, withDefaults, type AdamWOptions } from "./adamw.js";
import {
  adamw8bitCpu,
  newAdam8bitState,
  SIGNED_MAP,
  UNSIGNED_MAP,
  ADAMW8BIT_BLOCK,
} from "../kernels/adamw8bit-cpu.js";
import { encodeAdamW8bit } from "../kernels/adamw8bit.js";
import type { Backend } from "../backend/backend.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";

export interface AdamW8bitOptions extends AdamWOptions {
  /** Parameters smaller than this keep fp32 states (default 4096, as bitsandbytes). */
  minQuantizedSize?: number;
}

type Slot =
  | { kind: "fp32"; m: Tensor; v: Tensor }
  | { kind: "8bit"; mCodes: Tensor; vCodes: Tensor; mAbsmax: Tensor; vAbsmax: Tensor };

const mapsByBackend = new WeakMap<Backend, Tensor>();
function mapsTensor(backend: Backend): Tensor {
  let t = mapsByBackend.get(backend);
  if (!t || t.isDisposed) {
    const both = new Float32Array(512);
    both.set(SIGNED_MAP, 0);
    both.set(UNSIGNED_MAP, 256);
    t = keep(fromArray(both, [512], { backend }));
    mapsByBackend.set(backend, t);
  }
  return t;
}

export class AdamW8bit extends Optimizer {
  readonly kind = "adamw8bit";
  readonly options: Required<AdamWOptions>;
  readonly minQuantizedSize: number;
  gradScale = 1;
  private readonly slots: (Slot | null)[];

  constructor(params: readonly Tensor[], options: AdamW8bitOptions = {}) {
    const o = withDefaults(options);
    super(params, o.lr);
    this.options = o;
    this.minQuantizedSize = options.minQuantizedSize ?? 4096;
    this.slots = params.map(() => null);
  }

  /** Whether parameter `index` has 8-bit states. */
  isQuantized(index: number): boolean {
    return this.params[index].size >= this.minQuantizedSize;
  }

  protected update(param: Tensor, grad: Tensor, i: number): void {
    const h = adamwHyper(this.options, this.lr, this.stepCount, this.gradScale);
    let slot = this.slots[i];
    if (!slot) {
      slot = this.freshSlot(i);
      this.slots[i] = slot;
    }
    if (slot.kind === "fp32") {
      adamwUpdate(param, grad, slot.m, slot.v, h);
      return;
    }
    if (param.backend.kind === "cpu") {
      const be = param.backend as CpuBackend;
      adamw8bitCpu(
        be.floats(param),
        be.floats(grad),
        {
          mCodes: be.data(slot.mCodes),
          vCodes: be.data(slot.vCodes),
          mAbsmax: be.floats(slot.mAbsmax),
          vAbsmax: be.floats(slot.vAbsmax),
        },
        h,
      );
    } else {
      const be = param.backend as WebGpuBackend;
      encodeAdamW8bit(be.device, be.encoder(), {
        ...h,
        param: be.binding(param),
        grad: be.binding(grad),
        mCodes: be.binding(slot.mCodes),
        vCodes: be.binding(slot.vCodes),
        mAbsmax: be.binding(slot.mAbsmax),
        vAbsmax: be.binding(slot.vAbsmax),
        maps: be.binding(mapsTensor(be)),
        n: param.size,
      });
    }
  }

  private freshSlot(i: number): Slot {
    const p = this.params[i];
    if (!this.isQuantized(i)) {
      const zeros = new Float32Array(p.size);
      return this.makeSlot(i, { m: zeros, v: zeros });
    }
    const s = newAdam8bitState(p.size);
    return this.makeSlot(i, s);
  }

  private makeSlot(i: number, a: Record<string, StateArray>): Slot {
    const p = this.params[i];
    const backend = p.backend;
    if (!this.isQuantized(i)) {
      for (const name of ["m", "v"]) {
        if (!(a[name] instanceof Float32Array) || a[name].length !== p.size)
          throw new Error(`state '${name}' missing or of the wrong length`);
      }
      return {
        kind: "fp32",
        m: keep(fromArray(a.m, p.shape, { backend })),
        v: keep(fromArray(a.v, p.shape, { backend })),
      };
    }
    const blocks = Math.ceil(p.size / ADAMW8BIT_BLOCK);
    const check = (name: string, type: typeof Float32Array | typeof Uint8Array, length: number) => {
      if (!(a[name] instanceof type) || a[name].length !== length)
        throw new Error(`state '${name}' missing or of the wrong length`);
    };
    check("mCodes", Uint8Array, p.size);
    check("vCodes", Uint8Array, p.size);
    check("mAbsmax", Float32Array, blocks);
    check("vAbsmax", Float32Array, blocks);
    return {
      kind: "8bit",
      mCodes: keep(fromArray(a.mCodes, [p.size], { backend, dtype: "u8" })),
      vCodes: keep(fromArray(a.vCodes, [p.size], { backend, dtype: "u8" })),
      mAbsmax: keep(fromArray(a.mAbsmax, [blocks], { backend })),
      vAbsmax: keep(fromArray(a.vAbsmax, [blocks], { backend })),
    };
  }

  /** Bytes of optimiser state held for parameter `index` (0 before its first step). */
  stateBytes(index: number): number {
    const s = this.slots[index];
    if (!s) return 0;
    return s.kind === "fp32"
      ? 8 * s.m.size
      : 2 * s.mCodes.size + 4 * (s.mAbsmax.size + s.vAbsmax.size);
  }

  protected hyper(): Record<string, number> {
    const o = this.options;
    return {
      beta1: o.betas[0],
      beta2: o.betas[1],
      eps: o.eps,
      weightDecay: o.weightDecay,
      minQuantizedSize: this.minQuantizedSize,
    };
  }

  protected slotTensors(i: number): Record<string, Tensor> | null {
    const s = this.slots[i];
    if (!s) return null;
    return s.kind === "fp32"
      ? { m: s.m, v: s.v }
      : { mCodes: s.mCodes, vCodes: s.vCodes, mAbsmax: s.mAbsmax, vAbsmax: s.vAbsmax };
  }

  protected restoreSlot(i: number, arrays: Record<string, StateArray>): void {
    const slot = this.makeSlot(i, arrays);
    this.dropSlot(i);
    this.slots[i] = slot;
  }

  protected dropSlot(i: number): void {
    const s = this.slots[i];
    if (s) for (const t of Object.values(s)) if (typeof t !== "string") t.dispose();
    this.slots[i] = null;
  }
}
