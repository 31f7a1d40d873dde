/** `pipe check --lint name=level`: overrides, exit codes, and usage errors (exit 2). */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/main.js";
import { memoryIo } from "../../../cli/io.js";
import { EXAMPLES_DIR, exampleFiles } from "../../support/examples.js";

async function run(argv: string[], cwd: string) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

/** A file with one unused model (a PW5002 warning) and nothing else. */
function workspace(lintBlock = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "pipe-lint-"));
  const model = join(import.meta.dirname, "../../fixtures/models/tiny-llama");
  writeFileSync(
    join(dir, "p.pipe"),
    `pipeline "p" {\n  seed: 1\n  ${lintBlock}\n}\nmodel base = llama("${model}")\nmodel spare = llama("${model}")\nadapter a = lora(base) { rank: 8, alpha: 16 }\nexport a to "out/a"\n`,
  );
  return dir;
}

describe("pipe check --lint", () => {
  it("reports the lint as a warning by default and exits 0", async () => {
    const r = await run(["check", "p.pipe"], workspace());
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning[PW5002]: model `spare` is never used");
    expect(r.err).toContain("^^^^^ unused-stage");
    expect(r.err).toContain("1 warning in 1 file");
  });

  it("turns a lint into an error (exit 1) or off, before or after the files", async () => {
    const dir = workspace();
    const error = await run(["check", "--lint", "unused-stage=error", "p.pipe"], dir);
    expect(error.code).toBe(1);
    expect(error.err).toContain("error[PW5002]");
    const off = await run(["check", "p.pipe", "--lint", "unused-stage=off"], dir);
    expect(off.code).toBe(0);
    expect(off.err).toContain("no problems in 1 file");
  });

  it("wins over the file's lint block", async () => {
    const dir = workspace("lint { unused-stage: error }");
    expect((await run(["check", "p.pipe"], dir)).code).toBe(1);
    const r = await run(["check", "p.pipe", "--lint", "unused-stage=off,no-seed=error"], dir);
    expect(r.code).toBe(0);
  });

  it("names the lint in JSON output", async () => {
    const r = await run(["check", "--format", "json", "p.pipe"], workspace());
    expect(JSON.parse(r.out).diagnostics).toMatchObject([
      { code: "PW5002", severity: "warning", lint: "unused-stage", start: { line: 6 } },
    ]);
  });

  it("exits 2 with a suggestion on an unknown lint, level or syntax, checking nothing", async () => {
    const dir = workspace();
    const unknown = await run(["check", "p.pipe", "--lint", "unsued-stage=off"], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("pipe: --lint: no lint is named `unsued-stage`");
    expect(unknown.err).toContain("= hint: did you mean `unused-stage`?");
    expect(unknown.err).not.toContain("PW5002");

    const level = await run(["check", "p.pipe", "--lint", "unused-stage=warn"], dir);
    expect(level.code).toBe(2);
    expect(level.err).toContain("did you mean `warning`?");

    const syntax = await run(["check", "p.pipe", "--lint", "unused-stage"], dir);
    expect(syntax.code).toBe(2);
    expect(syntax.err).toContain("`--lint unused-stage` is not `name=level`");
  });

  it("refuses to configure an error that is not a lint", async () => {
    const r = await run(["check", "p.pipe", "--lint", "unknown-setting=off"], workspace());
    expect(r.code).toBe(2);
    expect(r.err).toContain("`unknown-setting` (PW2010) is an error, not a lint");
    expect(r.err).toContain("errors that are not lints cannot be turned off");
  });

  it("leaves the shipped examples without errors or warnings", async () => {
    const r = await run(["check", EXAMPLES_DIR], process.cwd());
    expect(r.code).toBe(0);
    expect(r.err).toContain(`no problems in ${exampleFiles().length} files`);
  });
});
