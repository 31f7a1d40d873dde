import { expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import { createStorageBuffer, dispatch, readUint32 } from "../../../runtime/kernels/launch.js";
import { acquireGpu } from "../../../runtime/device/acquire.js";

const onLlvmpipe = (name: string) => /llvmpipe|lavapipe/i.test(name);

/**
 * Binds the first 16 words of a 64-word buffer and accesses it at indices read from another
 * buffer (so no compiler can see them): word 20 is written, word 40 read into word 3.
 */
async function outOfBindingAccess(device: GPUDevice): Promise<Uint32Array> {
  const init = new Uint32Array(64);
  init[40] = 5;
  const big = createStorageBuffer(device, init);
  const idx = createStorageBuffer(device, new Uint32Array([20, 40, 0, 0]));
  const code = /* wgsl */ `
    @group(0) @binding(0) var<storage, read_write> c: array<u32>;
    @group(0) @binding(1) var<storage, read> i: array<u32>;
    @compute @workgroup_size(1)
    fn main() {
      c[i[0]] = 7u;
      c[3] = c[i[1]] + 100u;
    }`;
  dispatch(device, {
    code,
    bindings: [{ buffer: big, offset: 0, size: 64 }, idx],
    workgroups: [1],
  });
  const got = await readUint32(device, big, 64);
  big.destroy();
  idx.destroy();
  return got;
}

describeWebGPU("WebGPU robustness setting", () => {
  it("turns Dawn's robustness off on llvmpipe only, unless PIPE_WEBGPU_ROBUSTNESS says otherwise", async () => {
    const { adapterName, robust } = await gpu();
    const env = process.env.PIPE_WEBGPU_ROBUSTNESS;
    const expected = env === "1" ? true : env === "0" ? false : !onLlvmpipe(adapterName);
    expect(robust).toBe(expected);
  });

  it("keeps storage accesses outside the binding harmless on llvmpipe without robustness", async () => {
    const { device, adapterName, robust } = await gpu();
    // Only llvmpipe is known to bounds-check buffers by itself; elsewhere this would be UB.
    if (robust || !onLlvmpipe(adapterName)) return;
    const got = await outOfBindingAccess(device);
    expect(got[20]).toBe(0); // the write past the binding was dropped
    expect(got[3]).toBe(100); // the read past the binding returned 0
  });

  it("acquires a device with robustness on when asked", async () => {
    const ctx = await acquireGpu({ robustness: true, wantSubgroups: false });
    expect(ctx).not.toBeNull();
    expect(ctx!.robust).toBe(true);
    const got = await outOfBindingAccess(ctx!.device);
    expect(got[20]).toBe(0);
    expect(got[3]).toBe(100);
    ctx!.device.destroy();
  });
});
