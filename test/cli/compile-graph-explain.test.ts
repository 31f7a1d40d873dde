/** `pipe compile`, `pipe graph`, `pipe explain`: output and exit codes. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../cli/io.js";
import { runCli } from "../../cli/main.js";
import { loadIr } from "../../runtime/ir/load-ir.js";

const ROOT = join(import.meta.dirname, "../..");
const QLORA = "examples/alpaca-zh-qlora.pipe";
const BAD = 'pipeline "x" {\n  seed: 1\n}\nadapter a = lora(nope) { rank: 0 }\n';

async function run(argv: string[], cwd = ROOT) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

function badFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "pipe-cli-ir-"));
  writeFileSync(join(dir, "bad.pipe"), BAD);
  return dir;
}

describe("pipe compile", () => {
  it("prints the IR as JSON that the runtime accepts", async () => {
    const r = await run(["compile", QLORA]);
    expect(r.code).toBe(0);
    const ir = loadIr(JSON.parse(r.out), "stdout");
    expect(ir.pipeline.name).toBe("alpaca-zh-qlora");
    expect(ir.metadata.compiler).toMatch(/^pipewright \d+\.\d+\.\d+$/);
    expect(r.out).toContain('\n  "irVersion": 1,\n');
    expect(r.err).not.toContain("info[");
  });

  it("--emit dot and --emit mermaid print graphs", async () => {
    const dot = await run(["compile", QLORA, "--emit", "dot"]);
    expect(dot.code).toBe(0);
    expect(dot.out).toMatch(/^digraph "alpaca-zh-qlora" \{/);
    const mermaid = await run(["compile", QLORA, "--emit", "mermaid"]);
    expect(mermaid.code).toBe(0);
    expect(mermaid.out).toMatch(/^flowchart TD\n/);
  });

  it("-o writes the file and says what it wrote", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-cli-ir-"));
    const target = join(dir, "nested", "ir.json");
    const r = await run(["compile", QLORA, "-o", target]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/wrote .*ir\.json: 21 nodes/);
    expect(loadIr(JSON.parse(readFileSync(target, "utf8"))).nodes).toHaveLength(21);
  });

  it("refuses a file with errors: exit 1, diagnostics as `pipe check` prints them", async () => {
    const r = await run(["compile", "bad.pipe"], badFile());
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("error[PW2002]: no stage is named `nope`");
    expect(r.err).toContain("--> bad.pipe:4:18");
    expect(r.err).toContain("bad.pipe: not compiled; fix the errors above");
  });

  it("exits 2 on a missing file or bad usage", async () => {
    const missing = await run(["compile", "nope.pipe"], badFile());
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("cannot read nope.pipe: no such file or directory");
    expect((await run(["compile", QLORA, "--emit", "svg"])).code).toBe(2);
    expect((await run(["compile"])).code).toBe(2);
  });
});

describe("pipe graph", () => {
  it("prints a Mermaid flowchart by default and dot on request", async () => {
    const mermaid = await run(["graph", "examples/defect-inspection.pipe"]);
    expect(mermaid.code).toBe(0);
    expect(mermaid.out).toContain('subgraph s0["dataset parts"]');
    const dot = await run(["graph", "examples/defect-inspection.pipe", "--format", "dot"]);
    expect(dot.code).toBe(0);
    expect(dot.out).toContain('"preds/detect" -> "qc/inspect" [label="detections"];');
  });

  it("refuses a file with errors", async () => {
    const r = await run(["graph", "bad.pipe"], badFile());
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("error[PW2002]");
  });
});

describe("pipe explain", () => {
  it("prints every stage with provenance and the order of execution", async () => {
    const r = await run(["explain", QLORA]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('pipeline "alpaca-zh-qlora" (examples/alpaca-zh-qlora.pipe)');
    expect(r.out).toMatch(/quantize_base +nf4 +set in file/);
    expect(r.out).toContain("order of execution (21 steps)");
    expect(r.out).toContain("not run: nothing");
  });

  it("refuses a file with errors", async () => {
    const r = await run(["explain", "bad.pipe"], badFile());
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[PW2002]");
  });

  it("is listed in --help with compile and graph", async () => {
    const help = await run(["--help"]);
    for (const c of ["pipe compile", "pipe graph", "pipe explain"]) expect(help.out).toContain(c);
  });
});
