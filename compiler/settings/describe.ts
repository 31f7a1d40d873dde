/** Renders the stage catalogue as Markdown (docs/settings.md is generated from this). */
import { EXPORT_BLOCK, PIPELINE_BLOCK, SOURCES } from "./catalogue.js";
import { describeSpec } from "./check-block.js";
import type { BlockSpec, Json, Spec } from "./spec.js";
import { describeOutputType } from "./spec.js";

function formatDefault(value: Json | undefined): string {
  if (value === undefined) return "";
  return `\`${JSON.stringify(value)}\``;
}

function nestedBlocks(spec: Spec): { name: string; block: BlockSpec }[] {
  switch (spec.kind) {
    case "block":
      return [{ name: "", block: spec.block }];
    case "variant":
      return Object.entries(spec.variants).map(([name, block]) => ({ name, block }));
    case "anyOf":
      return spec.options.flatMap(nestedBlocks);
    case "list":
      return nestedBlocks(spec.item);
    default:
      return [];
  }
}

function blockTable(block: BlockSpec, title: string, depth: number, out: string[]): void {
  const rows = Object.entries(block.fields);
  if (rows.length === 0 && !block.otherKeys && !block.rules && !block.requirements) return;
  out.push(`${"#".repeat(Math.min(depth, 6))} ${title}`, "");
  if (block.doc) out.push(block.doc, "");
  if (rows.length) {
    out.push("| setting | type | default | meaning |", "|---|---|---|---|");
    for (const [name, f] of rows) {
      const type = describeSpec(f.spec).replace(/\|/g, "\\|");
      const flags = [f.required ? "**required**" : "", f.repeatable ? "repeatable" : ""]
        .filter(Boolean)
        .join(", ");
      out.push(
        `| \`${name}\` | ${type} | ${flags || formatDefault(f.default)} | ${f.doc.replace(/\|/g, "\\|")} |`,
      );
    }
    out.push("");
  }
  if (block.otherKeys) out.push(`Any other key: ${block.otherKeys.doc}.`, "");
  if (block.requirements)
    out.push(
      `\`require\` entries: ${block.requirements === "data" ? "data rules on record fields" : "metric gates"}.`,
      "",
    );
  if (block.rules)
    out.push(
      `Rules: \`OUTCOME when <condition>\` / \`OUTCOME otherwise\` with outcomes ${block.rules.map((r) => `\`${r}\``).join(", ")}.`,
      "",
    );
  if (block.exclusive?.length)
    out.push(
      `Mutually exclusive: ${block.exclusive.map(([a, b]) => `\`${a}\`/\`${b}\``).join(", ")}.`,
      "",
    );
  for (const [name, f] of rows) {
    for (const nested of nestedBlocks(f.spec)) {
      const label = nested.name ? `\`${name}: ${nested.name} { … }\`` : `\`${name} { … }\``;
      blockTable(nested.block, `${title} › ${label}`, depth + 1, out);
    }
  }
}

export function settingsReferenceMarkdown(): string {
  const out: string[] = [
    "# Settings reference",
    "",
    "Generated from `compiler/settings/catalogue.ts` by `npx tsx scripts/write-settings-doc.ts`;",
    "a test keeps it in step. Every default shown here is what runs when the file says nothing",
    "(`pipe explain <file>` shows the resolved values of a given pipeline).",
    "",
  ];
  blockTable(PIPELINE_BLOCK, '`pipeline "name" { … }`', 2, out);
  const kinds = [...new Set(SOURCES.map((s) => s.stageKind))];
  for (const kind of kinds) {
    out.push(`## ${kind}`, "");
    for (const source of SOURCES.filter((s) => s.stageKind === kind)) {
      const args = source.args.map((a) => `${a.name}${a.required ? "" : "?"}`).join(", ");
      const form =
        source.inline === "only"
          ? `${source.name} { … }`
          : source.inline === "allowed"
            ? `${source.name}(${args}) { … }  or  ${source.name} { … }`
            : `${source.name}(${args}) { … }`;
      out.push(
        `### \`${kind} <name> = ${form}\``,
        "",
        `${source.doc}. Produces ${describeOutputType(source.produces)}.`,
        "",
      );
      if (source.args.length) {
        out.push("| argument | type | meaning |", "|---|---|---|");
        for (const a of source.args)
          out.push(
            `| \`${a.name}\`${a.required ? "" : " (optional)"} | ${describeSpec(a.spec).replace(/\|/g, "\\|")} | ${a.doc} |`,
          );
        out.push("");
      }
      blockTable(source.body, `\`${source.name}\` settings`, 4, out);
    }
  }
  blockTable(EXPORT_BLOCK, '`export <stage> to "path" { … }`', 2, out);
  return out.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}
