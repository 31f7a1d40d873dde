/** docs/lints.md stays true: every example parses, and each lint's example triggers it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../../compiler/check.js";
import { LINT_CODES } from "../../../compiler/diagnostics/codes/lints.js";
import { parse } from "../../../grammar/parse.js";

const doc = readFileSync(join(import.meta.dirname, "../../../docs/lints.md"), "utf8");
const blocks = [...doc.matchAll(/```pipe\n([\s\S]*?)```/g)].map((m) => m[1]);

function sectionExample(name: string): string | undefined {
  const start = doc.indexOf(`## \`${name}\``);
  if (start < 0) return undefined;
  const end = doc.indexOf("\n## ", start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return /```pipe\n([\s\S]*?)```/.exec(section)?.[1];
}

describe("docs/lints.md", () => {
  it.each(blocks.map((b, i) => [i + 1, b] as const))("example %i parses", (_i, block) => {
    expect(parse(block, "docs/lints.md").diagnostics).toEqual([]);
  });

  it.each(LINT_CODES.map((e) => [e.name, e.code] as const))(
    "the `%s` example triggers %s and nothing worse",
    async (name, code) => {
      const example = sectionExample(name);
      expect(example, `an example in the ${name} section`).toBeDefined();
      const { diagnostics } = await checkSource(example!, "docs/lints.md", { world: false });
      expect(diagnostics.map((d) => d.code)).toContain(code);
      expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const others = diagnostics
        .filter((d) => d.code !== code)
        .map((d) => `${d.code} ${d.message}`);
      expect(others, "the example shows its lint alone").toEqual([]);
    },
  );
});
