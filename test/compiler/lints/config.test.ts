/**
 * Lint severities: registry default < the file's `lint` block < `--lint` from the command
 * line; `off` removes; errors that are not lints are never changed.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import type { Diagnostic } from "../../../compiler/diagnostics/diagnostic.js";
import { applyLintLevels, parseLintOptions } from "../../../compiler/lints/config.js";

const SPAN = { file: "x.pipe", start: 0, end: 1 };

/** One unused model (PW5002) and a pipeline block whose lint block is given. */
function source(lintBlock = ""): string {
  return `pipeline "p" {
  seed: 1
  ${lintBlock}
}
model base = llama("models/base")
model spare = llama("models/base")
adapter a = lora(base) { rank: 8, alpha: 16 }
export a to "out/a"
`;
}

async function lints(text: string, options: Parameters<typeof checkSource>[2] = {}) {
  const { diagnostics } = await checkSource(text, "x.pipe", { world: false, ...options });
  return diagnostics.map((d) => `${d.severity} ${d.code}${d.lint ? ` ${d.lint}` : ""}`);
}

describe("lint levels in checkSource", () => {
  it("reports at the registry's default severity, with the lint name", async () => {
    expect(await lints(source())).toEqual(["warning PW5002 unused-stage"]);
  });

  it("takes the file's lint block", async () => {
    expect(await lints(source("lint { unused-stage: error }"))).toEqual([
      "error PW5002 unused-stage",
    ]);
    expect(await lints(source("lint { unused-stage: off }"))).toEqual([]);
  });

  it("lets the command line win over the file", async () => {
    const file = source("lint { unused-stage: error }");
    expect(await lints(file, { lintOverrides: { "unused-stage": "off" } })).toEqual([]);
    expect(await lints(file, { lintOverrides: { "unused-stage": "warning" } })).toEqual([
      "warning PW5002 unused-stage",
    ]);
    // A CLI setting for another lint leaves the file's setting alone.
    expect(await lints(file, { lintOverrides: { "no-seed": "off" } })).toEqual([
      "error PW5002 unused-stage",
    ]);
  });

  it("turns on an info lint as an error", async () => {
    const text = `pipeline "p" { seed: 1 }
model base = llama("models/base")
adapter a = lora(base) { rank: 8, alpha: 16 }
dataset d = alpaca("d.jsonl") { split { train: 2000, val: 100 } }
train run = sft(a, d.train) { max_steps: 10 }
export run to "out/run"
`;
    expect(await lints(text)).toEqual(["info PW5013 no-evaluation"]);
    expect(await lints(text, { lintOverrides: { "no-evaluation": "error" } })).toEqual([
      "error PW5013 no-evaluation",
    ]);
  });

  it("reports an unknown lint in the file as PW2028 and applies the others", async () => {
    const diagnostics = await lints(source("lint { unsued-stage: off, no-seed: error }"));
    expect(diagnostics).toEqual(["error PW2028", "warning PW5002 unused-stage"]);
  });

  it("cannot turn off an error that is not a lint, from the file or the command line", async () => {
    const text = `pipeline "p" {
  seed: 1
  lint { unknown-setting: off }
}
model base = llama("models/base") { rnak: 8 }
export base to "out/base"
`;
    const diagnostics = await lints(text, {
      lintOverrides: { "unknown-setting": "off" } as never,
    });
    expect(diagnostics).toContain("error PW2010");
    expect(diagnostics).toContain("error PW2028");
  });

  it("skips lints when the file has syntax errors, and when asked to", async () => {
    expect(await lints(source().replace("seed: 1", "seed 1"))).toEqual(["error PW1011"]);
    expect(await lints(source(), { lints: false })).toEqual([]);
  });
});

describe("applyLintLevels", () => {
  const lint: Diagnostic = {
    code: "PW5007",
    severity: "warning",
    span: SPAN,
    message: "no seed",
    lint: "no-seed",
  };
  const error: Diagnostic = { code: "PW2010", severity: "error", span: SPAN, message: "x" };

  it("applies the last layer that names the lint", () => {
    expect(applyLintLevels([lint])[0].severity).toBe("warning");
    expect(applyLintLevels([lint], { "no-seed": "error" })[0].severity).toBe("error");
    expect(
      applyLintLevels([lint], { "no-seed": "error" }, { "no-seed": "warning" })[0].severity,
    ).toBe("warning");
    expect(applyLintLevels([lint], { "no-seed": "error" }, {})[0].severity).toBe("error");
    expect(applyLintLevels([lint], undefined, { "no-seed": "off" })).toEqual([]);
  });

  it("never touches a non-lint code, even one that claims a lint name", () => {
    const disguised: Diagnostic = { ...error, lint: "no-seed" };
    expect(applyLintLevels([error, disguised], { "no-seed": "off" })).toEqual([error, disguised]);
    expect(applyLintLevels([error], { "unknown-setting": "off" } as never)).toEqual([error]);
  });

  it("fills in the lint name from the registry", () => {
    const bare: Diagnostic = { code: "PW5002", severity: "warning", span: SPAN, message: "x" };
    expect(applyLintLevels([bare])[0].lint).toBe("unused-stage");
  });
});

describe("parseLintOptions (--lint)", () => {
  it("parses name=level, repeated and comma-separated; the last one wins", () => {
    expect(
      parseLintOptions(["unused-stage=off", "no-seed=error,eval-on-train=warning", "no-seed=off,"]),
    ).toEqual({
      levels: { "unused-stage": "off", "no-seed": "off", "eval-on-train": "warning" },
      problems: [],
    });
    expect(parseLintOptions([])).toEqual({ levels: {}, problems: [] });
  });

  it("explains malformed values", () => {
    const { problems } = parseLintOptions(["unused-stage", "=off", ""]);
    expect(problems.map((p) => p.message)).toEqual([
      "`--lint unused-stage` is not `name=level`",
      "`--lint =off` is not `name=level`",
      "`--lint ` is not `name=level`",
    ]);
  });

  it("suggests the closest lint name and level", () => {
    const { problems, levels } = parseLintOptions(["unsued-stage=of", "no-seed=warn"]);
    expect(levels).toEqual({});
    expect(problems).toEqual([
      {
        given: "unsued-stage=of",
        message: "no lint is named `unsued-stage`",
        hint: "did you mean `unused-stage`?",
      },
      {
        given: "unsued-stage=of",
        message: "`of` is not a lint level",
        hint: "did you mean `off`? (levels: off, warning, error)",
      },
      {
        given: "no-seed=warn",
        message: "`warn` is not a lint level",
        hint: "did you mean `warning`? (levels: off, warning, error)",
      },
    ]);
  });

  it("refuses errors that are not lints, by name or by code, and lint codes", () => {
    const { problems } = parseLintOptions(["unknown-setting=off", "PW2010=off", "pw5002=off"]);
    expect(problems.map((p) => p.message)).toEqual([
      "`unknown-setting` (PW2010) is an error, not a lint",
      "`PW2010` (unknown-setting) is an error, not a lint",
      "lints are configured by name, not by code",
    ]);
    expect(problems[0].hint).toContain("errors that are not lints cannot be turned off");
    expect(problems[2].hint).toBe("did you mean `unused-stage`?");
  });

  it("points to the docs when nothing is close", () => {
    const { problems } = parseLintOptions(["zzzzzzzz=off"]);
    expect(problems[0].hint).toBe("the lints are listed in docs/lints.md");
  });
});
