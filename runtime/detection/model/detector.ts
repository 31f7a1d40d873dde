/**
 * The detector on the runtime: named tensors (parameters and BatchNorm buffers, kept out of tidy
 * scopes) and a forward pass from images [B, 3, S, S] in [0, 1] to
 *   box  [B, 4, A]  ltrb distances in grid cells (softplus of the head output, so ≥ 0)
 *   cls  [B, nc, A] class logits
 * with A anchors over P3, P4, P5 in `makeAnchorPoints` order. `decodeBoxes` turns distances
 * into xyxy pixel boxes on the GPU (`boxDecode`).
 */
import type { Backend } from "../../backend/backend.js";
import type { Tensor } from "../../tensor/tensor.js";
import { fromArray } from "../../tensor/creation.js";
import { keep } from "../../tensor/scope.js";
import { abs, add, addScalar, exp, log, neg, relu, silu } from "../../ops/elementwise.js";
import { concat, reshape } from "../../ops/shape.js";
import { writeTensor } from "../../ops/assign.js";
import { conv2d } from "../../ops/conv2d.js";
import { batchNorm } from "../../ops/batch-norm.js";
import { maxPool2d } from "../../ops/max-pool.js";
import { upsampleNearest2d } from "../../ops/upsample.js";
import { boxDecode, makeAnchorPoints } from "../../ops/box-decode.js";
import {
  checkDetectorConfig,
  MAX_STRIDE,
  pyramidLevels,
  type DetectorModelConfig,
} from "./config.js";
import { walkDetector, type LayoutOps } from "./layout.js";
import { initialValues, tensorSpecs, type TensorSpec } from "./params.js";

export interface ForwardOptions {
  /** Batch statistics and running-statistics updates (true) or running statistics (false). */
  training: boolean;
}

export interface DetectorOutput {
  /** [B, 4, A] ltrb distances in grid cells. */
  box: Tensor;
  /** [B, nc, A] class logits. */
  cls: Tensor;
}

/** softplus(x) = max(x, 0) + log(1 + e^−|x|), stable for any x. */
export function softplus(x: Tensor): Tensor {
  return add(relu(x), log(addScalar(exp(neg(abs(x))), 1)));
}

export class Detector {
  readonly config: DetectorModelConfig;
  readonly specs: readonly TensorSpec[];
  readonly backend: Backend;
  /** Every named tensor (parameters and buffers), in spec order. */
  readonly tensors: Map<string, Tensor>;
  private readonly anchorCache = new Map<string, { points: Tensor; strides: Tensor }>();
  private disposed = false;

  private constructor(config: DetectorModelConfig, tensors: Map<string, Tensor>, backend: Backend) {
    this.config = config;
    this.specs = tensorSpecs(config);
    this.tensors = tensors;
    this.backend = backend;
  }

  /** A freshly initialised detector (seeded). */
  static create(
    config: DetectorModelConfig,
    options: { seed: number; backend: Backend },
  ): Detector {
    return Detector.fromValues(config, initialValues(config, options.seed), options.backend);
  }

  /** A detector holding the given values; every spec'd tensor must be present with its size. */
  static fromValues(
    config: DetectorModelConfig,
    values: ReadonlyMap<string, Float32Array>,
    backend: Backend,
  ): Detector {
    const problems = checkDetectorConfig(config);
    if (problems.length) throw new Error(`detector config: ${problems.join("; ")}`);
    const tensors = new Map<string, Tensor>();
    for (const s of tensorSpecs(config)) {
      const v = values.get(s.name);
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (!v || v.length !== n) {
        for (const t of tensors.values()) t.dispose();
        throw new Error(
          `detector: tensor ${s.name} is ${v ? `${v.length} values` : "missing"}, needs [${s.shape.join(", ")}]`,
        );
      }
      tensors.set(s.name, keep(fromArray(v, s.shape, { backend, requiresGrad: s.trainable })));
    }
    return new Detector(config, tensors, backend);
  }

  /** Trainable parameters, in spec order (the optimiser's order). */
  parameters(): Tensor[] {
    return this.specs.filter((s) => s.trainable).map((s) => this.tensors.get(s.name)!);
  }

  /** Trainable parameter specs aligned with `parameters()`. */
  parameterSpecs(): TensorSpec[] {
    return this.specs.filter((s) => s.trainable);
  }

  tensor(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`internal: detector has no tensor ${name}`);
    return t;
  }

  forward(images: Tensor, options: ForwardOptions): DetectorOutput {
    if (this.disposed) throw new Error("detector: used after dispose()");
    const [B, C, H, W] = images.shape;
    if (images.rank !== 4 || C !== 3 || H % MAX_STRIDE !== 0 || W % MAX_STRIDE !== 0) {
      throw new Error(
        `detector: images must be [B, 3, H, W] with H, W multiples of ${MAX_STRIDE}, got [${images.shape.join(", ")}]`,
      );
    }
    const { bnEps, bnMomentum } = this.config;
    const p = (name: string) => this.tensor(name);
    const ops: LayoutOps<Tensor> = {
      conv: (name, x, _c2, k, s) => {
        const y = conv2d(x, p(`${name}.weight`), null, { stride: s, padding: Math.floor(k / 2) });
        const z = batchNorm(
          y,
          p(`${name}.bn.weight`),
          p(`${name}.bn.bias`),
          p(`${name}.bn.running_mean`),
          p(`${name}.bn.running_var`),
          {
            training: options.training,
            eps: bnEps,
            momentum: bnMomentum,
          },
        );
        return silu(z);
      },
      output: (name, x) => conv2d(x, p(`${name}.weight`), p(`${name}.bias`)),
      add: (a, b) => add(a, b),
      concat: (xs) => concat(xs, 1),
      upsample: (x) => upsampleNearest2d(x, 2),
      maxPool: (x) => maxPool2d(x, { kernel: 5, stride: 1, padding: 2 }),
    };
    const out = walkDetector(ops, this.config, images);
    const flat = (xs: Tensor[]) =>
      concat(
        xs.map((x) => reshape(x, [B, x.shape[1], x.shape[2] * x.shape[3]])),
        2,
      );
    return { box: softplus(flat(out.box)), cls: flat(out.cls) };
  }

  /** Anchor points [A, 2] (grid units) and strides [A] for an input of H×W, cached and kept. */
  anchors(height: number, width = height): { points: Tensor; strides: Tensor } {
    const key = `${height}x${width}`;
    let hit = this.anchorCache.get(key);
    if (!hit) {
      const levels = pyramidLevels(height).map((l) => ({ ...l, width: width / l.stride }));
      const { points, strides } = makeAnchorPoints(levels);
      hit = {
        points: keep(fromArray(points, [points.length / 2, 2], { backend: this.backend })),
        strides: keep(fromArray(strides, [strides.length], { backend: this.backend })),
      };
      this.anchorCache.set(key, hit);
    }
    return hit;
  }

  /** xyxy pixel boxes [B, A, 4] from distances [B, 4, A] (differentiable). */
  decodeBoxes(box: Tensor, height: number, width = height): Tensor {
    const { points, strides } = this.anchors(height, width);
    return boxDecode(box, points, strides, { mode: "ltrb", layout: "channels-first" });
  }

  /** Host copies of every named tensor (reads the GPU). */
  async values(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, t] of this.tensors) out.set(name, await t.toFloat32Array());
    return out;
  }

  /** Overwrite every named tensor from host values (same names and sizes). */
  load(values: ReadonlyMap<string, Float32Array>): void {
    for (const s of this.specs) {
      const v = values.get(s.name);
      if (!v) throw new Error(`detector: tensor ${s.name} missing`);
      writeTensor(this.tensor(s.name), v);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors.values()) {
      t.grad?.dispose();
      t.dispose();
    }
    for (const a of this.anchorCache.values()) {
      a.points.dispose();
      a.strides.dispose();
    }
    this.anchorCache.clear();
  }
}
