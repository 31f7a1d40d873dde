import { expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import { createStorageBuffer, dispatch, readFloat32 } from "../../../runtime/kernels/launch.js";
import { fixedSubgroupSize } from "../../../runtime/device/acquire.js";

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

describeWebGPU("WebGPU subgroups", () => {
  it("records the subgroups feature and a fixed subgroup size that shaders see", async () => {
    const { device, hasSubgroups, subgroupSize } = await gpu();
    expect(hasSubgroups).toBe(device.features.has("subgroups"));
    expect(fixedSubgroupSize(device)).toBe(subgroupSize);
    if (subgroupSize === null) return;
    const lanes = 4 * subgroupSize;
    const out = createStorageBuffer(device, lanes * 3 * 4);
    const code = /* wgsl */ `
      enable subgroups;
      @group(0) @binding(0) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(${lanes})
      fn main(@builtin(local_invocation_index) li: u32,
              @builtin(subgroup_invocation_id) lane: u32,
              @builtin(subgroup_size) size: u32) {
        out[li * 3u] = lane;
        out[li * 3u + 1u] = size;
        out[li * 3u + 2u] = subgroupBroadcast(li, 1u);
      }`;
    dispatch(device, { code, bindings: [out], workgroups: [1] });
    const got = new Uint32Array((await readFloat32(device, out, lanes * 3)).buffer);
    for (let i = 0; i < lanes; i++) {
      // The matmul kernels rely on subgroup i being invocations i·size .. i·size + size − 1.
      expect(got[i * 3]).toBe(i % subgroupSize);
      expect(got[i * 3 + 1]).toBe(subgroupSize);
      expect(got[i * 3 + 2]).toBe(i - (i % subgroupSize) + 1);
    }
    out.destroy();
  });
});
