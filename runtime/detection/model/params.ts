/**
 * The detector's named tensors: parameters (conv weights, BatchNorm γ/β, output biases) and
 * buffers (BatchNorm running statistics), listed by walking the layout with channel counts,
 * and their seeded initialisation (PyTorch's defaults plus Ultralytics' head bias priors).
 */
import { createRng } from "../../util/random.js";
import type { DetectorModelConfig } from "./config.js";
import { walkDetector, type LayoutOps } from "./layout.js";

export type TensorRole =
  | "conv-weight"
  | "bn-weight"
  | "bn-bias"
  | "bn-mean"
  | "bn-var"
  | "out-weight"
  | "box-bias"
  | "cls-bias";

export interface TensorSpec {
  name: string;
  shape: number[];
  role: TensorRole;
  /** Trained (false: a BatchNorm running statistic). */
  trainable: boolean;
  /** Weight decay applies (conv weights only, as Ultralytics' parameter groups). */
  decay: boolean;
  /** Fan-in for the uniform initialisation bound 1/√fanIn. */
  fanIn: number;
  /** Pyramid stride, for the class-bias prior. */
  stride?: number;
}

/** Every named tensor of the model, in a fixed order (the order parameters are created in). */
export function tensorSpecs(c: DetectorModelConfig): TensorSpec[] {
  const specs: TensorSpec[] = [];
  const ops: LayoutOps<number> = {
    conv(name, x, c2, k) {
      const fanIn = x * k * k;
      specs.push({
        name: `${name}.weight`,
        shape: [c2, x, k, k],
        role: "conv-weight",
        trainable: true,
        decay: true,
        fanIn,
      });
      specs.push({
        name: `${name}.bn.weight`,
        shape: [c2],
        role: "bn-weight",
        trainable: true,
        decay: false,
        fanIn,
      });
      specs.push({
        name: `${name}.bn.bias`,
        shape: [c2],
        role: "bn-bias",
        trainable: true,
        decay: false,
        fanIn,
      });
      specs.push({
        name: `${name}.bn.running_mean`,
        shape: [c2],
        role: "bn-mean",
        trainable: false,
        decay: false,
        fanIn,
      });
      specs.push({
        name: `${name}.bn.running_var`,
        shape: [c2],
        role: "bn-var",
        trainable: false,
        decay: false,
        fanIn,
      });
      return c2;
    },
    output(name, x, c2, role, stride) {
      specs.push({
        name: `${name}.weight`,
        shape: [c2, x, 1, 1],
        role: "out-weight",
        trainable: true,
        decay: true,
        fanIn: x,
      });
      specs.push({
        name: `${name}.bias`,
        shape: [c2],
        role: role === "box" ? "box-bias" : "cls-bias",
        trainable: true,
        decay: false,
        fanIn: x,
        stride,
      });
      return c2;
    },
    add: (a) => a,
    concat: (xs) => xs.reduce((s, v) => s + v, 0),
    upsample: (x) => x,
    maxPool: (x) => x,
  };
  walkDetector(ops, c, 3);
  return specs;
}

/** Trainable parameter count (equals `describeDetector(toMemoryConfig(c)).trainableParams`). */
export function parameterCount(c: DetectorModelConfig): number {
  return tensorSpecs(c)
    .filter((s) => s.trainable)
    .reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** Initial box-distance bias: softplus(1) ≈ 1.31 grid cells per side. */
export const BOX_BIAS_INIT = 1;

/**
 * Initial values of every tensor: conv weights and output weights uniform in ±1/√fanIn
 * (PyTorch's kaiming_uniform(a=√5)), BatchNorm γ = 1, β = 0, mean 0, var 1; box biases 1;
 * class biases log(5 / nc / (imgsz/stride)²) — Ultralytics' prior of ~5 objects per image.
 */
export function initialValues(c: DetectorModelConfig, seed: number): Map<string, Float32Array> {
  const rng = createRng(seed);
  const nc = c.names.length;
  const out = new Map<string, Float32Array>();
  for (const s of tensorSpecs(c)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    switch (s.role) {
      case "conv-weight":
      case "out-weight": {
        const bound = 1 / Math.sqrt(s.fanIn);
        for (let i = 0; i < n; i++) v[i] = (2 * rng.next() - 1) * bound;
        break;
      }
      case "bn-weight":
      case "bn-var":
        v.fill(1);
        break;
      case "box-bias":
        v.fill(BOX_BIAS_INIT);
        break;
      case "cls-bias":
        v.fill(Math.log(5 / nc / (c.imgsz / (s.stride ?? 32)) ** 2));
        break;
      default:
        break; // zeros
    }
    out.set(s.name, v);
  }
  return out;
}
