/** Finite-difference checks (float64, CPU reference) of every differentiable core op. */
import { describe, expect, it } from "vitest";
import { gradcheck } from "../../support/gradcheck.js";
import * as rt from "../../../runtime/index.js";

const positive = (shape: number[]) => ({ shape, low: 0.5, high: 2 });

describe("gradcheck: core ops", () => {
  it("binary ops, including broadcasting", () => {
    gradcheck(rt.add, [[3, 4], [4]]);
    gradcheck(rt.sub, [
      [2, 1, 4],
      [3, 1],
    ]);
    gradcheck(rt.mul, [
      [3, 4],
      [3, 4],
    ]);
    gradcheck(rt.mul, [[], [2, 3]]);
    gradcheck(rt.div, [[3, 4], positive([3, 1])]);
    gradcheck(rt.maximum, [
      [3, 4],
      [3, 4],
    ]);
    gradcheck(rt.minimum, [[3, 4], [4]]);
  });

  it("unary ops", () => {
    for (const op of [rt.neg, rt.exp, rt.sigmoid, rt.silu, rt.tanh, rt.square])
      gradcheck(op, [[3, 5]]);
    gradcheck(rt.gelu, [[3, 5]], { atol: 1e-6, rtol: 1e-4 });
    for (const op of [rt.log, rt.sqrt, rt.rsqrt]) gradcheck(op, [positive([3, 5])]);
    // relu / abs away from the kink at 0.
    gradcheck(rt.relu, [{ shape: [8], values: [-2, -1, -0.5, 0.3, 0.7, 1, 2, 3] }]);
    gradcheck(rt.abs, [{ shape: [4], values: [-2, -0.5, 0.3, 2] }]);
    gradcheck((x) => rt.scale(x, -1.5), [[4]]);
    gradcheck((x) => rt.addScalar(x, 3), [[4]]);
  });

  it("reductions", () => {
    gradcheck((x) => rt.sum(x), [[3, 4]]);
    gradcheck((x) => rt.sum(x, { axis: -1 }), [[3, 4]]);
    gradcheck((x) => rt.mean(x, { axis: [0, 2], keepDims: true }), [[2, 3, 4]]);
    gradcheck((x) => rt.max(x, { axis: -1 }), [[3, 5]]);
    gradcheck((x) => rt.min(x, { axis: 0 }), [[3, 5]]);
    gradcheck((x) => rt.max(x), [[4, 2]]);
  });

  it("shape ops", () => {
    gradcheck((x) => rt.reshape(x, [6, 2]), [[3, 4]]);
    gradcheck((x) => rt.transpose(x), [[3, 4]]);
    gradcheck((x) => rt.permute(x, [1, 2, 0]), [[2, 3, 4]]);
    gradcheck((x) => rt.slice(x, [1, 0], [3, 2]), [[4, 3]]);
    gradcheck(
      (a, b) => rt.concat([a, b], 0),
      [
        [2, 3],
        [1, 3],
      ],
    );
    gradcheck((x) => rt.broadcastTo(x, [2, 3, 4]), [[3, 1]]);
  });

  it("matmul in all four transpose combinations, batched, and linear", () => {
    gradcheck(
      (a, b) => rt.matmul(a, b),
      [
        [3, 4],
        [4, 5],
      ],
    );
    gradcheck(
      (a, b) => rt.matmul(a, b, { transA: true }),
      [
        [4, 3],
        [4, 5],
      ],
    );
    gradcheck(
      (a, b) => rt.matmul(a, b, { transB: true }),
      [
        [3, 4],
        [5, 4],
      ],
    );
    gradcheck(
      (a, b) => rt.matmul(a, b, { transA: true, transB: true }),
      [
        [4, 3],
        [5, 4],
      ],
    );
    gradcheck(
      (a, b) => rt.matmul(a, b),
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
    );
    gradcheck(
      (a, b) => rt.matmul(a, b),
      [
        [2, 3, 4],
        [4, 5],
      ],
    );
    gradcheck(
      (a, b) => rt.matmul(a, b, { transB: true }),
      [
        [3, 4],
        [2, 5, 4],
      ],
    );
    gradcheck((x, w, b) => rt.linear(x, w, b), [[2, 3, 4], [5, 4], [5]]);
  });

  it("composite expressions reuse tensors (gradient accumulation)", () => {
    gradcheck((x) => rt.mul(x, x), [[4]]);
    gradcheck(
      (x, w) => rt.add(rt.linear(x, w), rt.matmul(x, w, { transB: true })),
      [
        [3, 4],
        [2, 4],
      ],
    );
    gradcheck((x) => rt.div(x, rt.sum(x, { axis: -1, keepDims: true })), [positive([2, 5])]);
  });

  it("reports a wrong gradient", () => {
    // An op whose backward is deliberately wrong: gradcheck must catch it.
    const wrong = rt.defineOp<Record<string, never>>({
      name: "test_wrong_square",
      cpu: ([x], _a, be) => {
        const src = be.floats(x);
        const out = be.floatArray(src.length);
        for (let i = 0; i < src.length; i++) out[i] = src[i] * src[i];
        return be.fromData(out, x.shape);
      },
      backward: ({ inputs: [x], grads: [g] }) => [rt.mul(g, x)], // should be 2·x·g
    });
    expect(() => gradcheck((x) => wrong([x], {})[0], [[3]])).toThrow(/gradcheck: input 0/);
  });
});
