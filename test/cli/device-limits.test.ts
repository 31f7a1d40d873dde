/**
 * Buffer sizes against the adapter's limits: without an adapter the compiler compares with
 * WebGPU's default limits and warns (PW4003); `pipe check --device`, `pipe estimate --device`
 * and `pipe run` (before training) use the real adapter's limits and refuse (PW4002).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../cli/io.js";
import { runCli } from "../../cli/main.js";
import { describeWebGPU } from "../support/webgpu.js";

const DIR = join(import.meta.dirname, "../fixtures/device-limits");
const FILE = "huge-vocab.pipe";

async function run(argv: string[]) {
  const io = memoryIo({ cwd: DIR });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("buffer limits without an adapter", () => {
  it("warns against WebGPU's default limits (PW4003)", async () => {
    const r = await run(["check", FILE]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning[PW4003]");
    expect(r.err).toContain("over WebGPU's default maxBufferSize of 256.0 MiB");
    expect(r.err).not.toContain("PW4002");
  });
});

describeWebGPU("buffer limits of the adapter", () => {
  it("`pipe check --device` refuses a buffer over the adapter's maxBufferSize (PW4002)", async () => {
    const r = await run(["check", "--device", FILE]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /error\[PW4002\]: `t`: weight embed_tokens \(fp32\) is 8\.00 GiB, over the adapter's \(.+\) maxBufferSize/,
    );
    expect(r.err).toContain(`${FILE}:17:7`);
  });

  it("`pipe estimate --device` marks the buffers over the adapter's limits", async () => {
    const r = await run(["estimate", "--device", FILE]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /! weight embed_tokens \(fp32\): 8\.00 GiB > the adapter's \(.+\) maxBufferSize/,
    );
  });

  it("`pipe run` stops before anything runs", async () => {
    const r = await run(["run", FILE, "--output", join(DIR, "out-never-written")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW4002]");
    expect(r.err).toContain("not run; fix the errors above");
  });
});
