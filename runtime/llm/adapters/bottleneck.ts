/**
 * Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2020): a small residual MLP on a
 * sublayer's output, before the layer's own residual add:
 *
 *   y ↦ y + up(act(down(y)))      down: hidden → size, up: size → hidden (with biases)
 *
 * Houlsby places one after attention and one after the MLP; Pfeiffer after the MLP only.
 * `up` starts at zero so the adapted model equals the base at step 0. Parameter names
 * (`model.layers.{i}.adapter_{attn,mlp}.{down,up}.{weight,bias}`) match compiler/memory/peft.ts.
 * Not a PEFT method: exported in our own layout (peft_type "BOTTLENECK").
 */
import type { Tensor } from "../../tensor/tensor.js";
import { add, gelu, relu, silu } from "../../ops/elementwise.js";
import { linear } from "../../ops/matmul.js";
import { createRng } from "../../util/random.js";
import type { LlamaModel } from "../model.js";
import type { BranchAdapter } from "../layers.js";
import { freezeBase } from "./targets.js";

export type BottleneckActivation = "relu" | "silu" | "gelu";

export interface BottleneckOptions {
  size: number;
  placement?: "houlsby" | "pfeiffer";
  activation?: BottleneckActivation;
  /** Std of the down projection's init (default 0.02). */
  initStd?: number;
  seed: number;
}

const ACT: Record<BottleneckActivation, (x: Tensor) => Tensor> = { relu, silu, gelu };

class Bottleneck implements BranchAdapter {
  constructor(
    readonly name: string,
    readonly down: Tensor,
    readonly downBias: Tensor,
    readonly up: Tensor,
    readonly upBias: Tensor,
    readonly act: (x: Tensor) => Tensor,
  ) {}

  forward(y: Tensor): Tensor {
    return add(y, linear(this.act(linear(y, this.down, this.downBias)), this.up, this.upBias));
  }

  parameters(): [string, Tensor][] {
    return [
      [`${this.name}.down.weight`, this.down],
      [`${this.name}.down.bias`, this.downBias],
      [`${this.name}.up.weight`, this.up],
      [`${this.name}.up.bias`, this.upBias],
    ];
  }

  dispose(): void {
    for (const t of [this.down, this.downBias, this.up, this.upBias]) t.dispose();
  }
}

export function attachBottleneck(model: LlamaModel, options: BottleneckOptions): void {
  const m = options.size;
  if (!(Number.isInteger(m) && m > 0))
    throw new Error(`bottleneck size must be a positive integer, got ${m}`);
  const h = model.arch.hiddenSize;
  const placement = options.placement ?? "houlsby";
  const act = ACT[options.activation ?? "relu"];
  if (!act) throw new Error(`unknown bottleneck activation ${options.activation}`);
  freezeBase(model);
  const rng = createRng(options.seed);
  const make = (name: string) =>
    new Bottleneck(
      name,
      model.randomParameter([m, h], rng.nextUint32(), options.initStd ?? 0.02),
      model.createParameter(new Float32Array(m), [m]),
      model.createParameter(new Float32Array(h * m), [h, m]),
      model.createParameter(new Float32Array(h), [h]),
      act,
    );
  for (const layer of model.layers) {
    if (layer.adapterAttn || layer.adapterMlp)
      throw new Error(`${layer.prefix} already has bottleneck adapters`);
    if (placement === "houlsby") layer.adapterAttn = make(`${layer.prefix}.adapter_attn`);
    layer.adapterMlp = make(`${layer.prefix}.adapter_mlp`);
  }
  model.adapterConfigs.push({
    kind: "bottleneck",
    config: { size: m, placement, activation: options.activation ?? "relu" },
  });
}
