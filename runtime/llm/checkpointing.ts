/**
 * One training step's forward + backward, optionally with gradient checkpointing: the forward
 * keeps only each decoder layer's input; the backward recomputes one layer at a time (with the
 * same dropout masks) and back-propagates through it, so at most one layer's activations are
 * alive at once. Built on the public autograd API (a layer input becomes a leaf with
 * `requiresGrad`, `y.backward(grad)` per layer) — no change to the engine.
 *
 *   const loss = tidy(() => {
 *     const l = forwardBackward(model, ids, (logits) => crossEntropy(reshape(logits, [B*T, V]), labels),
 *                               { checkpoint: true });
 *     opt.step(); opt.zeroGrad();
 *     return l;
 *   });
 *
 * Parameter gradients equal those of a plain `lossFn(model.forward(ids)).backward()` (the same
 * ops run on the same values; only the accumulation order of a weight used by several layers
 * could differ in the last bit).
 */
import type { Tensor } from "../tensor/tensor.js";
import { tidy } from "../tensor/scope.js";
import { noGrad } from "../autograd/grad-mode.js";
import { createRng } from "../util/random.js";
import type { DecoderLayer } from "./layers.js";
import type { ForwardOptions, LlamaModel } from "./model.js";

export interface ForwardBackwardOptions extends Pick<
  ForwardOptions,
  "attentionMask" | "positionIds" | "segmentIds"
> {
  /** Recompute each layer's forward in the backward pass (default false). */
  checkpoint?: boolean;
}

type RngStates = ([number, number, number, number] | null)[];

function layerRngs(layer: DecoderLayer): RngStates {
  return layer.linears().map((l) => l.lora?.rng.state() ?? null);
}

function restoreRngs(layer: DecoderLayer, states: RngStates): void {
  layer.linears().forEach((l, i) => {
    const s = states[i];
    if (l.lora && s) l.lora.rng = createRng(0, s);
  });
}

/** Runs forward, `lossFn`, and backward (parameter `.grad`s filled); returns the loss. */
export function forwardBackward(
  model: LlamaModel,
  inputIds: Tensor | readonly (readonly number[])[],
  lossFn: (logits: Tensor) => Tensor,
  options: ForwardBackwardOptions = {},
): Tensor {
  const forwardOptions: ForwardOptions = {
    ...(options.attentionMask ? { attentionMask: options.attentionMask } : {}),
    ...(options.positionIds ? { positionIds: options.positionIds } : {}),
    ...(options.segmentIds ? { segmentIds: options.segmentIds } : {}),
  };
  if (!options.checkpoint) {
    const loss = lossFn(model.forward(inputIds, forwardOptions));
    loss.backward();
    return loss;
  }
  const pass = model.prepare(inputIds, forwardOptions);
  const layers = model.layers;
  // Forward without a tape, keeping the layer inputs and the dropout streams' states.
  const inputs: Tensor[] = [];
  const before: RngStates[] = [];
  let x = noGrad(() => model.embedInputs(pass));
  for (const layer of layers) {
    inputs.push(x);
    before.push(layerRngs(layer));
    const input = x;
    x = noGrad(() => tidy(() => layer.forward(input, pass.ctx)));
  }
  const after = layers.map(layerRngs);

  let grad: Tensor | null = null;
  const takeGrad = (t: Tensor): Tensor | null => {
    const g = t.grad;
    t.grad = null;
    t.requiresGrad = false;
    return g;
  };
  try {
    x.requiresGrad = true;
    const loss = lossFn(model.head(x, pass));
    loss.backward();
    grad = takeGrad(x);
    x.dispose();
    for (let l = layers.length - 1; l >= 0; l--) {
      const input = inputs[l];
      restoreRngs(layers[l], before[l]);
      input.requiresGrad = true;
      const upstream = grad;
      if (upstream) tidy(() => layers[l].forward(input, pass.ctx).backward(upstream));
      upstream?.dispose();
      grad = takeGrad(input);
      if (l > 0) input.dispose();
    }
    // The embedding stage (trainable embeddings, prompt tuning): recompute and back-propagate.
    const embedTrains =
      model.embedTokens.requiresGrad ||
      (pass.virtualTokens > 0 && model.promptAdapter!.embedding.requiresGrad);
    if (grad && embedTrains) {
      const upstream = grad;
      tidy(() => model.embedInputs(pass).backward(upstream));
    }
    return loss;
  } finally {
    grad?.dispose();
    inputs[0]?.dispose();
    layers.forEach((layer, l) => restoreRngs(layer, after[l]));
  }
}
