import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPipe } from "../../../editors/prettier/format.js";
import { parse } from "../../../grammar/parse.js";
import { exampleFiles } from "../../support/examples.js";
import { stripSpans } from "../../support/ast-shape.js";

async function formatOk(text: string): Promise<string> {
  const result = await formatPipe(text, "t.pipe");
  if (!result.ok) throw new Error(result.rendered);
  return result.formatted;
}

function commentTexts(text: string): string[] {
  return parse(text, "t.pipe").ast.comments.map((c) => c.text.trimEnd());
}

/** Whitespace mutations that must not change meaning: spaces→runs, newlines added/removed. */
function mutateWhitespace(text: string, seed: number): string {
  let state = seed;
  const rnd = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  // Only whitespace between tokens changes: line comments keep their line end, strings intact.
  const { ast } = parse(text, "t.pipe");
  void ast;
  let out = "";
  let inString = false;
  let inLineComment = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inLineComment) {
      out += ch;
      if (ch === "\n") inLineComment = false;
      continue;
    }
    if (!inString && ch === "/" && text[i + 1] === "/") inLineComment = true;
    if (ch === '"' && text[i - 1] !== "\\") inString = !inString;
    if (!inString && !inLineComment && ch === " ") {
      const r = rnd();
      out += r < 0.3 ? "   " : r < 0.4 ? "\t" : " ";
      continue;
    }
    if (!inString && ch === "\n" && rnd() < 0.3) {
      out += "\n\n\n";
      continue;
    }
    out += ch;
  }
  return out;
}

describe("pipe fmt (Prettier plugin)", () => {
  for (const example of exampleFiles()) {
    it(`is idempotent and meaning-preserving on ${example.name}`, async () => {
      const once = await formatOk(example.text);
      expect(await formatOk(once)).toBe(once);
      expect(stripSpans(parse(once, "t.pipe").ast)).toEqual(
        stripSpans(parse(example.text, "t.pipe").ast),
      );
      expect(commentTexts(once)).toEqual(commentTexts(example.text));
      // Shipped examples are kept formatted (CI also runs `pipe fmt --check examples`).
      expect(once).toBe(example.text);
    });
  }

  it("is idempotent on whitespace-mutated examples", async () => {
    const examples = exampleFiles();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: examples.length - 1 }), fc.integer(), async (index, seed) => {
        const mutated = mutateWhitespace(examples[index].text, seed);
        const once = await formatOk(mutated);
        expect(await formatOk(once)).toBe(once);
        expect(stripSpans(parse(once, "t.pipe").ast)).toEqual(
          stripSpans(parse(mutated, "t.pipe").ast),
        );
        expect(commentTexts(once)).toEqual(commentTexts(mutated));
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it("preserves comments in every position", async () => {
    const text = `// leading file comment
pipeline "x" { // after brace
  seed: 1 // trailing
  /* before entry */ output: "o"
  // dangling at block end
}
model m = llama {
  // only a comment
}
dataset d = alpaca("a.jsonl") { split { train: 90% /* inline */, val: 10% } }
// final comment
`;
    const once = await formatOk(text);
    expect(commentTexts(once)).toEqual(commentTexts(text));
    expect(await formatOk(once)).toBe(once);
  });

  it("keeps parentheses that change meaning and drops none", async () => {
    const text = `evaluate e = eval(r, d) { require (a or b) and not (c >= 1 or d) }\n`;
    const once = await formatOk(text);
    expect(once).toContain("(a or b) and not (c >= 1 or d)");
    expect(stripSpans(parse(once, "t.pipe").ast)).toEqual(stripSpans(parse(text, "t.pipe").ast));
  });

  it("refuses to format a file with syntax errors", async () => {
    const result = await formatPipe(`pipeline "x" {\n  seed 42\n}\n`, "bad.pipe");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rendered).toContain("PW1011");
  });

  it("prints short maps, lists and calls on one line and breaks long ones", async () => {
    const text = `train t = sft(a, d.train) { optimizer: adamw { lr: 2e-4, weight_decay: 0 } targets: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, q_proj, k_proj, v_proj, o_proj] }\n`;
    const once = await formatOk(text);
    expect(once).toContain("optimizer: adamw { lr: 2e-4, weight_decay: 0 }");
    expect(once).toContain("targets: [\n    q_proj,");
  });
});
