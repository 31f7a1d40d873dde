/** Where a run reads and writes: inputs from the .pipe file's folder, outputs kept inside `output`. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PipelineIr } from "../../../compiler/ir/schema.js";
import { createRunPaths, isInside } from "../../../runtime/executor/paths.js";

const ir = (output: string, allow = false) =>
  ({ pipeline: { settings: { output, allow_outside_output: allow } } }) as unknown as PipelineIr;

describe("run paths", () => {
  const cwd = "/work/project";
  it("resolves inputs from the .pipe file's folder and outputs under `output`", () => {
    const p = createRunPaths(ir("out/x"), { pipeFile: "examples/a.pipe", cwd });
    expect(p.pipeDir).toBe("/work/project/examples");
    expect(p.outputDir).toBe("/work/project/examples/out/x");
    expect(p.cacheDir).toBe("/work/project/examples/out/x/.cache");
    expect(p.input("data/a.jsonl")).toBe("/work/project/examples/data/a.jsonl");
    expect(p.destination("out/x/adapter")).toBe("/work/project/examples/out/x/adapter");
    expect(p.outputFile("generations.jsonl")).toBe(
      "/work/project/examples/out/x/generations.jsonl",
    );
    expect(p.display("/work/project/examples/out/x")).toBe("examples/out/x");
    expect(p.display("/elsewhere/y")).toBe("/elsewhere/y");
  });

  it("refuses output paths that leave the output directory (PW8012)", () => {
    const p = createRunPaths(ir("out/x"), { pipeFile: "a.pipe", cwd });
    for (const bad of [
      () => p.destination("out/y"),
      () => p.destination("../z"),
      () => p.outputFile("../../etc/passwd"),
      () => p.destination("/tmp/a"),
    ]) {
      expect(bad).toThrow(expect.objectContaining({ code: "PW8012" }));
    }
    expect(() => p.outputFile("../y")).toThrow(
      /output path `..\/y` is outside the output directory out\/x/,
    );
    const allowed = createRunPaths(ir("out/x", true), { pipeFile: "a.pipe", cwd });
    expect(allowed.destination("../z")).toBe("/work/z");
  });

  it("moves destinations along with --output", () => {
    const p = createRunPaths(ir("out/x"), { pipeFile: "a.pipe", cwd, output: "/tmp/o" });
    expect(p.outputDir).toBe("/tmp/o");
    expect(p.destination("out/x/adapter")).toBe("/tmp/o/adapter");
    expect(p.destination("out/x")).toBe("/tmp/o");
    expect(() => p.destination("out/other")).toThrow(expect.objectContaining({ code: "PW8012" }));
  });

  it("knows what is inside what", () => {
    expect(isInside("/a/b", "/a/b")).toBe(true);
    expect(isInside("/a/b", join("/a/b", "c"))).toBe(true);
    expect(isInside("/a/b", "/a/bc")).toBe(false);
    expect(isInside("/a/b", "/a")).toBe(false);
    expect(isInside("/a/b", "/a/b/..data")).toBe(true);
  });
});
