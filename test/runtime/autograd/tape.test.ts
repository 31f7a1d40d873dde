import { describe, expect, it } from "vitest";
import * as rt from "../../../runtime/index.js";

const backend = new rt.CpuBackend();
const t = (values: number[], shape?: number[], requiresGrad = false) =>
  rt.fromArray(values, shape, { backend, requiresGrad });

describe("autograd tape", () => {
  it("fills .grad of leaves and accumulates over backward calls", async () => {
    const x = t([1, 2, 3], [3], true);
    rt.tidy(() => rt.sum(rt.square(x)).backward());
    expect(Array.from(await x.grad!.toArray())).toEqual([2, 4, 6]);
    rt.tidy(() => rt.sum(rt.scale(x, 3)).backward());
    expect(Array.from(await x.grad!.toArray())).toEqual([5, 7, 9]);
  });

  it("does not record under noGrad, nor for tensors without requiresGrad", () => {
    const x = t([1, 2], [2], true);
    const y = rt.noGrad(() => rt.mul(x, x));
    expect(y.tracksGrad).toBe(false);
    expect(rt.mul(t([1]), t([2])).tracksGrad).toBe(false);
    expect(() => y.backward()).toThrow(/does not depend/);
  });

  it("releases the tape unless retainGraph", () => {
    const x = t([1, 2], [2], true);
    rt.tidy(() => {
      const loss = rt.sum(rt.exp(x));
      loss.backward({ retainGraph: true });
      loss.backward();
      expect(() => loss.backward()).toThrow(/already released/);
    });
  });

  it("takes an explicit seed gradient for non-scalar outputs", async () => {
    const x = t([1, 2, 3], [3], true);
    rt.tidy(() => rt.scale(x, 2).backward(t([1, 0, -1])));
    expect(Array.from(await x.grad!.toArray())).toEqual([2, 0, -2]);
    expect(() => rt.tidy(() => rt.scale(x, 2).backward())).toThrow(/non-scalar/);
  });

  it("gives a clear error when a saved tensor was disposed before backward", () => {
    const x = t([1, 2], [2], true);
    const loss = rt.tidy(() => rt.sum(rt.exp(x)));
    expect(() => loss.backward()).toThrow(/disposed/);
  });

  it("ignores gradients into non-differentiable (integer) inputs", async () => {
    const x = t([1, 2, 3], [3], true);
    const idx = rt.fromArray([1, 1, 1], [3], { backend, dtype: "i32" });
    rt.tidy(() => rt.sum(rt.mul(x, rt.cast(idx, "f32"))).backward());
    expect(Array.from(await x.grad!.toArray())).toEqual([1, 1, 1]);
  });

  it("frees intermediates: a forward+backward in tidy leaves only leaves and grads", () => {
    const x = t([1, 2, 3, 4], [2, 2], true);
    const w = t([1, 0, 0, 1], [2, 2], true);
    const before = rt.liveTensorCount();
    for (let i = 0; i < 5; i++) {
      rt.tidy(() => {
        const y = rt.silu(rt.matmul(x, w));
        rt.mean(rt.add(y, rt.transpose(y))).backward();
      });
    }
    // x.grad and w.grad are the only new tensors.
    expect(rt.liveTensorCount()).toBe(before + 2);
  });
});

describe("tidy / keep / dispose", () => {
  it("disposes what the scope created except the result and kept tensors", () => {
    const outside = t([1]);
    let inner: rt.Tensor | undefined;
    let kept: rt.Tensor | undefined;
    const result = rt.tidy(() => {
      inner = rt.add(outside, outside);
      kept = rt.keep(rt.add(outside, outside));
      return { value: rt.mul(outside, outside), list: [rt.neg(outside)] };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(kept!.isDisposed).toBe(false);
    expect(result.value.isDisposed).toBe(false);
    expect(result.list[0].isDisposed).toBe(false);
    expect(outside.isDisposed).toBe(false);
  });

  it("nested scopes move results outward; errors still clean up", () => {
    const x = t([1]);
    let a: rt.Tensor | undefined;
    rt.tidy(() => {
      a = rt.tidy(() => rt.add(x, x));
      expect(a.isDisposed).toBe(false);
    });
    expect(a!.isDisposed).toBe(true);
    let b: rt.Tensor | undefined;
    expect(() =>
      rt.tidy(() => {
        b = rt.add(x, x);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(b!.isDisposed).toBe(true);
  });

  it("views share storage until the last alias is disposed", async () => {
    const x = t([1, 2, 3, 4], [4]);
    const v = rt.reshape(x, [2, 2]);
    x.dispose();
    expect(Array.from(await v.toArray())).toEqual([1, 2, 3, 4]);
    v.dispose();
    expect(() => v.assertAlive()).toThrow(/disposed/);
  });

  it("rejects an async function", () => {
    expect(() => rt.tidy(async () => 1)).toThrow(/synchronous/);
  });
});
