/**
 * Reverse-mode differentiation over the tape (GradNodes reachable from the root, visited in
 * decreasing creation order). Runs without recording (first-order only). Intermediate
 * gradients are disposed as soon as they are consumed; leaf gradients are kept out of tidy
 * scopes and accumulated into `.grad`.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape, shapesEqual } from "../tensor/shape.js";
import { keep, tidy } from "../tensor/scope.js";
import { ones, zeros } from "../tensor/creation.js";
import { noGrad } from "./grad-mode.js";
import type { GradNode } from "./tape.js";
import { add } from "../ops/elementwise.js";

export interface BackwardOptions {
  /** Keep the tape (and saved tensors) so backward can run again through it. */
  retainGraph?: boolean;
}

export function runBackward(root: Tensor, seed?: Tensor, options: BackwardOptions = {}): void {
  root.assertAlive("backward() root");
  if (!root.tracksGrad) {
    throw new Error("backward(): this tensor does not depend on any tensor with requiresGrad");
  }
  if (!seed && root.size !== 1) {
    throw new Error(`backward(): pass a gradient for a non-scalar ${formatShape(root.shape)}`);
  }
  if (seed && !shapesEqual(seed.shape, root.shape)) {
    throw new Error(`backward(): gradient ${formatShape(seed.shape)} ≠ ${formatShape(root.shape)}`);
  }
  noGrad(() => {
    const first = seed
      ? seed.view()
      : ones(root.shape, { dtype: root.dtype, backend: root.backend });
    const leafGrads = new Map<Tensor, Tensor>();
    const nodeGrads = new Map<GradNode, (Tensor | null)[]>();
    const deliver = (target: Tensor, g: Tensor) => {
      if (target.gradNode) {
        const node = target.gradNode;
        let slots = nodeGrads.get(node);
        if (!slots) {
          slots = node.outputMeta.map(() => null);
          nodeGrads.set(node, slots);
        }
        slots[target.outputIndex] = accumulate(slots[target.outputIndex], g);
      } else if (target.requiresGrad) {
        leafGrads.set(target, accumulate(leafGrads.get(target) ?? null, g));
      } else {
        g.dispose();
      }
    };
    deliver(root, first);

    for (const node of reachableNodes(root)) {
      const slots = nodeGrads.get(node);
      if (!slots) continue;
      nodeGrads.delete(node);
      if (node.released) {
        throw new Error(
          `backward(): the tape through '${node.op}' was already released; pass { retainGraph: true } to the first backward()`,
        );
      }
      for (const t of [...node.inputs, ...node.outputs, ...node.saved]) {
        t.assertAlive(`a tensor saved by '${node.op}' for backward`);
      }
      const grads = slots.map(
        (g, i) =>
          g ??
          zeros(node.outputMeta[i].shape, {
            dtype: node.outputMeta[i].dtype,
            backend: root.backend,
          }),
      );
      const result = tidy(() => [
        ...node.backward({
          inputs: node.inputs,
          outputs: node.outputs,
          saved: node.saved,
          attrs: node.attrs,
          grads,
          needsGrad: node.needsGrad,
        }),
      ]);
      // Every gradient we hold must be uniquely owned so it can be disposed independently.
      const taken = new Set<Tensor>([...grads, ...node.inputs, ...node.outputs, ...node.saved]);
      const inputGrads = result.map((g) => {
        if (!g) return null;
        const owned = taken.has(g) ? g.view() : g;
        taken.add(owned);
        return owned;
      });
      for (const g of grads) g.dispose();
      node.inputs.forEach((input, i) => {
        const g = inputGrads[i];
        if (!g) return;
        if (!node.needsGrad[i]) {
          g.dispose();
          return;
        }
        if (!shapesEqual(g.shape, input.shape)) {
          throw new Error(
            `internal: backward of '${node.op}' gave ${formatShape(g.shape)} for input ${i} of ${formatShape(input.shape)}`,
          );
        }
        deliver(input, g);
      });
      for (let i = node.inputs.length; i < inputGrads.length; i++) inputGrads[i]?.dispose();
      if (!options.retainGraph) releaseNode(node);
    }

    for (const [leaf, g] of leafGrads) {
      keep(g);
      if (leaf.grad && !leaf.grad.isDisposed) {
        const sum = keep(add(leaf.grad, g));
        leaf.grad.dispose();
        g.dispose();
        leaf.grad = sum;
      } else {
        leaf.grad = g;
      }
    }
  });
}

function accumulate(previous: Tensor | null, g: Tensor): Tensor {
  if (!previous) return g;
  const sum = add(previous, g);
  previous.dispose();
  g.dispose();
  return sum;
}

function reachableNodes(root: Tensor): GradNode[] {
  const seen = new Map<number, GradNode>();
  const stack: GradNode[] = root.gradNode ? [root.gradNode] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node.id)) continue;
    seen.set(node.id, node);
    for (const input of node.inputs) {
      if (input.gradNode && !seen.has(input.gradNode.id)) stack.push(input.gradNode);
    }
  }
  return [...seen.values()].sort((a, b) => b.id - a.id);
}

/** Drops what the node saved for backward (tensors the op created, not its inputs/outputs). */
function releaseNode(node: GradNode): void {
  const visible = new Set([...node.inputs, ...node.outputs]);
  for (const t of node.saved) if (!visible.has(t)) t.dispose();
  node.saved = [];
  node.inputs = [];
  node.released = true;
}
