import { afterEach, describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import * as rt from "../../../runtime/index.js";
import { isPipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { GpuContext } from "../../../runtime/device/acquire.js";

describe("createBackend", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("falls back to the CPU reference with a one-line notice when no adapter matches", async () => {
    delete process.env.PIPE_REQUIRE_WEBGPU;
    const notices: string[] = [];
    const backend = await rt.createBackend({
      acquire: { adapter: "no-such-adapter-pipewright" },
      onNotice: (m) => notices.push(m),
      setDefault: false,
    });
    expect(backend.kind).toBe("cpu");
    expect(notices).toEqual([rt.CPU_FALLBACK_NOTICE]);
    expect(notices[0]).not.toContain("\n");
  });

  it("fails with PW8002 instead when PIPE_REQUIRE_WEBGPU=1", async () => {
    process.env.PIPE_REQUIRE_WEBGPU = "1";
    try {
      await rt.createBackend({
        acquire: { adapter: "no-such-adapter-pipewright" },
        setDefault: false,
      });
      expect.unreachable();
    } catch (err) {
      expect(isPipeError(err) && err.code).toBe("PW8002");
    }
  });

  it("prefer: 'cpu' and PIPE_BACKEND=cpu give the CPU backend and set the default", async () => {
    process.env.PIPE_BACKEND = "cpu";
    const backend = await rt.createBackend();
    expect(backend.kind).toBe("cpu");
    expect(rt.getDefaultBackend()).toBe(backend);
    expect(rt.zeros([2]).backend).toBe(backend);
    rt.setDefaultBackend(null);
    expect(() => rt.zeros([2])).toThrow(/createBackend/);
  });
});

describe("CPU backend storage", () => {
  it("round-trips every dtype and rounds f16", async () => {
    const backend = new rt.CpuBackend();
    const values = [0, 1, 2, 250];
    for (const dtype of ["f32", "u32", "i32", "u8"] as const) {
      expect(Array.from(await rt.fromArray(values, [4], { backend, dtype }).toArray())).toEqual(
        values,
      );
    }
    expect(Array.from(await rt.fromArray([0.1], [1], { backend, dtype: "f16" }).toArray())).toEqual(
      [Math.fround(0.0999755859375)],
    );
    const f64 = new rt.CpuBackend({ precision: "f64" });
    expect((await rt.fromArray([0.1], [1], { backend: f64 }).toArray())[0]).toBe(0.1);
  });
});

describeWebGPU("WebGPU backend", () => {
  it("round-trips every dtype, packed types included", async () => {
    const backend = (await rt.createBackend({ setDefault: false })) as rt.WebGpuBackend;
    const values = [0, 1, 2, 250, 7];
    for (const dtype of ["f32", "u32", "i32", "u8", "f16"] as const) {
      const t = rt.fromArray(values, [5], { backend, dtype });
      expect(Array.from(await t.toArray()), dtype).toEqual(values);
      t.dispose();
    }
    const z = rt.zeros([3, 3], { backend });
    expect(Array.from(await z.toArray())).toEqual(new Array(9).fill(0));
  });

  it("orders host writes after recorded work on recycled buffers", async () => {
    const backend = (await rt.createBackend({ setDefault: false })) as rt.WebGpuBackend;
    const a = rt.fromArray([1, 2, 3, 4], [4], { backend });
    const doubled = rt.scale(a, 2); // recorded, not submitted
    a.dispose(); // a's buffer goes back to the pool...
    const b = rt.fromArray([10, 20, 30, 40], [4], { backend }); // ...and is reused right away
    expect(Array.from(await doubled.toArray())).toEqual([2, 4, 6, 8]);
    expect(Array.from(await b.toArray())).toEqual([10, 20, 30, 40]);
  });

  it("reports device loss as PW8001", async () => {
    const backend = (await rt.createBackend({
      acquire: {},
      setDefault: false,
    })) as rt.WebGpuBackend;
    (backend.gpu as GpuContext).lostReason = "simulated";
    for (const action of [() => backend.flush(), () => backend.encoder()]) {
      try {
        action();
        expect.unreachable();
      } catch (err) {
        expect(isPipeError(err) && err.code).toBe("PW8001");
        expect((err as Error).message).toContain("simulated");
      }
    }
    backend.device.destroy();
  });
});
