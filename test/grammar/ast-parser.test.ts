/**
 * The embedded-actions parser keeps no state between files, reads large files in one pass, and
 * marks nothing as recovered in valid input. (Recovery itself: recovery-golden.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { exampleFiles } from "../support/examples.js";
import { readRecoveryCorpus } from "./recovery-golden.js";

/** A valid file of about `lines` lines built from the shapes the examples use. */
function largeFile(lines: number): string {
  const out = ['pipeline "large" {', "  seed: 42", "}", "model base = llama { vocab_size: 512 }"];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `dataset d${i} = alpaca("data/part-${i}.jsonl") {`,
      `  generate: arithmetic_zh { rows: 2000, seed: ${i}, format: alpaca }`,
      "  clean {",
      "    normalize: [whitespace, control_chars]",
      "    require output.length in 10..10000",
      "  }",
      "  split { train: 90%; val: 10% }",
      "}",
      `adapter a${i} = lora(base) { rank: 16, targets: [q_proj, v_proj] }`,
      `evaluate e${i} = eval(a${i}, d${i}.val) {`,
      "  require (rouge1 >= 0.3 or bleu > 20) and not perplexity > 50",
      "  FAIL when not passed",
      "  PASS otherwise",
      "}",
    );
  }
  return out.join("\n") + "\n";
}

function recoveredPaths(node: unknown, path = "ast"): string[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => recoveredPaths(n, `${path}[${i}]`));
  if (node === null || typeof node !== "object") return [];
  const here = (node as { recovered?: boolean }).recovered ? [path] : [];
  return [
    ...here,
    ...Object.entries(node).flatMap(([k, v]) =>
      k === "span" ? [] : recoveredPaths(v, `${path}.${k}`),
    ),
  ];
}

describe("the AST parser", () => {
  it("gives the same result for a file whatever it parsed before", () => {
    const texts = readRecoveryCorpus()
      .slice(0, 40)
      .map((c) => c.text);
    const nested = `model m = llama {\n${"x: [f(a: {".repeat(40)}\n}`;
    const first = texts.map((t) => JSON.stringify(parse(t, "a.pipe")));
    parse(nested, "n.pipe");
    const again = [...texts].reverse().map((t) => JSON.stringify(parse(t, "a.pipe")));
    expect(again.reverse()).toEqual(first);
  });

  it("reads a 10,000-line file in one pass, without diagnostics", () => {
    const text = largeFile(10_000);
    const { ast, diagnostics } = parse(text, "large.pipe");
    expect(diagnostics).toEqual([]);
    expect(ast.items.length).toBeGreaterThan(2000);
    expect(recoveredPaths(ast)).toEqual([]);
    const last = ast.items[ast.items.length - 1];
    expect(last.span.end).toBe(text.trimEnd().length);
    const evaluate = ast.items.find((i) => i.kind === "Stage" && i.stageKind === "evaluate");
    expect(evaluate?.body?.entries.map((e) => e.kind)).toEqual(["Requirement", "Rule", "Rule"]);
  });

  it("marks nothing as recovered in the examples", () => {
    for (const { name, text } of exampleFiles()) {
      expect(recoveredPaths(parse(text, name).ast), name).toEqual([]);
    }
  });

  it("keeps what was read before a syntax error", () => {
    const { ast } = parse('dataset d = alpaca("x", rows: ) { seed: 1 }', "p.pipe");
    const stage = ast.items[0];
    expect(stage.kind).toBe("Stage");
    if (stage.kind !== "Stage") return;
    expect(stage.name.name).toBe("d");
    expect(stage.source.kind).toBe("Call");
    if (stage.source.kind !== "Call") return;
    expect(stage.source.callee.parts.map((p) => p.name)).toEqual(["alpaca"]);
    expect(stage.source.args[0].value).toMatchObject({ kind: "String", value: "x" });
    expect(stage.source.args[1].name?.name).toBe("rows");
  });
});
