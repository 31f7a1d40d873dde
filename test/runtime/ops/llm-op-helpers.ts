/** Runs an LLM op on the WebGPU and CPU backends and compares its output and input gradients. */
import { expect } from "vitest";
import { CpuBackend } from "../../../runtime/backend/cpu-backend.js";
import { createBackend } from "../../../runtime/backend/create-backend.js";
import type { Backend } from "../../../runtime/backend/backend.js";
import { fromArray } from "../../../runtime/tensor/creation.js";
import { tidy } from "../../../runtime/tensor/scope.js";
import type { Tensor } from "../../../runtime/tensor/tensor.js";
import type { DType } from "../../../runtime/tensor/dtype.js";
import { mul, sum } from "../../../runtime/ops/index.js";
import { createRng } from "../../../runtime/util/random.js";
import { relError } from "../kernels/llm-kernel-helpers.js";

export interface OpInput {
  shape: number[];
  values: ArrayLike<number>;
  dtype?: DType;
  /** Differentiate with respect to this input (default: f32 inputs). */
  grad?: boolean;
}

let gpuBackend: Promise<Backend> | undefined;
export function webgpuBackend(): Promise<Backend> {
  gpuBackend ??= createBackend({ prefer: "webgpu", setDefault: false });
  return gpuBackend;
}

async function run(
  backend: Backend,
  fn: (...xs: Tensor[]) => Tensor,
  inputs: OpInput[],
  seed: number,
) {
  const { tensors, xs } = tidy(() => {
    const xs = inputs.map((inp) =>
      fromArray(inp.values, inp.shape, {
        backend,
        dtype: inp.dtype ?? "f32",
        requiresGrad: inp.grad ?? (inp.dtype ?? "f32") === "f32",
      }),
    );
    const y = fn(...xs);
    const rng = createRng(seed);
    const weights = fromArray(
      Float64Array.from({ length: y.size }, () => rng.normal()),
      y.shape,
      { backend },
    );
    if (y.tracksGrad) sum(mul(y, weights)).backward();
    return { tensors: [y, ...xs.map((x) => x.grad)], xs };
  });
  const arrays = await Promise.all(
    tensors.map((t) => (t ? t.toFloat32Array() : Promise.resolve(null))),
  );
  for (const t of tensors) t?.dispose();
  for (const x of xs) x.dispose();
  return arrays;
}

/** Output and every input gradient agree between the backends (relative error < tol). */
export async function expectBackendsAgree(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: OpInput[],
  tol = 1e-4,
): Promise<void> {
  const gpu = await run(await webgpuBackend(), fn, inputs, 7);
  const cpu = await run(new CpuBackend(), fn, inputs, 7);
  gpu.forEach((g, k) => {
    const c = cpu[k];
    expect(g === null, `${k === 0 ? "output" : `gradient of input ${k - 1}`} presence`).toBe(
      c === null,
    );
    if (g && c) {
      const err = relError(g, c);
      expect(
        err,
        `${k === 0 ? "output" : `gradient of input ${k - 1}`}: relative error ${err.toExponential(2)}`,
      ).toBeLessThan(tol);
    }
  });
}
