import { expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import { createStorageBuffer, dispatch, readFloat32 } from "../../../runtime/kernels/launch.js";

describeWebGPU("WebGPU smoke test", () => {
  it("runs a compute shader and reads the result back", async () => {
    const { device, adapterName } = await gpu();
    expect(adapterName.length).toBeGreaterThan(0);
    const n = 1000;
    const input = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
    const a = createStorageBuffer(device, input);
    const out = createStorageBuffer(device, n * 4);
    const code = /* wgsl */ `
      @group(0) @binding(0) var<storage, read> a: array<f32>;
      @group(0) @binding(1) var<storage, read_write> out: array<f32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3u) {
        if (id.x < arrayLength(&a)) { out[id.x] = a[id.x] * a[id.x] + 1.0; }
      }`;
    dispatch(device, { code, bindings: [a, out], workgroups: [Math.ceil(n / 64)] });
    const result = await readFloat32(device, out, n);
    for (let i = 0; i < n; i++) expect(result[i]).toBeCloseTo(input[i] * input[i] + 1, 5);
    a.destroy();
    out.destroy();
  });
});
