/**
 * Optimiser base: parameters, learning rate, step counter, zeroGrad, and the checkpoint
 * format (`stateDict` / `loadStateDict`, exact resume). Updates run in place under no-grad
 * and record into the backend's step encoder (no readback).
 */
import type { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { formatShape, shapesEqual } from "../tensor/shape.js";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export type StateArray = Float32Array | Uint8Array;

export interface OptimizerStateDict {
  kind: string;
  version: 1;
  /** Number of steps taken (bias correction resumes from here). */
  step: number;
  hyper: Record<string, number | boolean>;
  /** Parameter shapes, in constructor order. */
  shapes: number[][];
  /** Per parameter: its state arrays by name (null before its first update). */
  slots: (Record<string, StateArray> | null)[];
}

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  /** Read at every step (set it from a schedule). */
  lr: number;
  /** Steps taken so far. */
  stepCount = 0;
  abstract readonly kind: string;

  constructor(params: readonly Tensor[], lr: number) {
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (seen.has(p)) throw new Error("optimizer: a parameter is listed twice");
      seen.add(p);
      if (p.dtype !== "f32") throw new Error(`optimizer: parameters must be f32, got ${p.dtype}`);
    }
    this.params = [...params];
    this.lr = lr;
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    noGrad(() => {
      this.params.forEach((p, i) => {
        if (!p.grad) return;
        p.assertAlive("parameter");
        this.update(p, p.grad, i);
      });
    });
  }

  /** Drops (disposes) every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  protected abstract update(param: Tensor, grad: Tensor, index: number): void;

  /** Hyperparameters saved in and checked against checkpoints. */
  protected abstract hyper(): Record<string, number | boolean>;

  /** The state tensors of parameter `index`, by name (empty before its first update). */
  protected abstract slotTensors(index: number): Record<string, Tensor> | null;

  /** Creates parameter `index`'s state from host arrays (loadStateDict). */
  protected abstract restoreSlot(index: number, arrays: Record<string, StateArray>): void;

  /** A host copy of the full state (reads back from the GPU). */
  async stateDict(): Promise<OptimizerStateDict> {
    const slots: (Record<string, StateArray> | null)[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const tensors = this.slotTensors(i);
      if (!tensors) {
        slots.push(null);
        continue;
      }
      const arrays: Record<string, StateArray> = {};
      for (const [name, t] of Object.entries(tensors)) {
        const data = await t.toArray();
        arrays[name] = data instanceof Uint8Array ? data.slice() : Float32Array.from(data);
      }
      slots.push(arrays);
    }
    return {
      kind: this.kind,
      version: 1,
      step: this.stepCount,
      hyper: { lr: this.lr, ...this.hyper() },
      shapes: this.params.map((p) => [...p.shape]),
      slots,
    };
  }

  /** Restores a state saved by stateDict (PW8003 when it does not fit these parameters). */
  loadStateDict(state: OptimizerStateDict, place: { path?: string } = {}): void {
    const mismatch = (what: string) =>
      new PipeError(
        "PW8003",
        `optimizer checkpoint does not match: ${what}`,
        place,
        "resume with the same model and optimizer settings that wrote the checkpoint",
      );
    if (state.kind !== this.kind)
      throw mismatch(`it is for '${state.kind}', this optimizer is '${this.kind}'`);
    if (state.version !== 1) throw mismatch(`unknown version ${String(state.version)}`);
    if (state.shapes.length !== this.params.length || state.slots.length !== this.params.length) {
      throw mismatch(`${state.shapes.length} parameters saved, ${this.params.length} given`);
    }
    this.params.forEach((p, i) => {
      if (!shapesEqual(p.shape, state.shapes[i])) {
        throw mismatch(
          `parameter ${i} is ${formatShape(p.shape)}, saved ${formatShape(state.shapes[i])}`,
        );
      }
    });
    this.params.forEach((_, i) => {
      const slot = state.slots[i];
      if (slot) {
        try {
          this.restoreSlot(i, slot);
        } catch (err) {
          throw mismatch(`parameter ${i}: ${(err as Error).message}`);
        }
      } else {
        this.dropSlot(i);
      }
    });
    this.stepCount = state.step;
    if (typeof state.hyper.lr === "number") this.lr = state.hyper.lr;
  }

  protected abstract dropSlot(index: number): void;

  /** Frees all optimiser state. */
  dispose(): void {
    for (let i = 0; i < this.params.length; i++) this.dropSlot(i);
  }
}
