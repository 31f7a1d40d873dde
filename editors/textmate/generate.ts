/**
 * Writes the TextMate grammar built from the lexer's tokens:
 *   npx tsx editors/textmate/generate.ts           write both copies
 *   npx tsx editors/textmate/generate.ts --check   exit 1 when a copy is stale
 * The VS Code extension carries its own copy because an extension may only ship files from
 * inside its folder.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { renderPipeGrammar } from "./pipe-grammar.js";

const ROOT = join(import.meta.dirname, "../..");

const GRAMMAR_COPIES = [
  join(ROOT, "editors/textmate/pipe.tmLanguage.json"),
  join(ROOT, "editors/vscode/syntaxes/pipe.tmLanguage.json"),
];

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Equal as JSON, so a copy reformatted by Prettier is not reported as stale. */
function sameJson(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const text = renderPipeGrammar();
  let stale = 0;
  for (const path of GRAMMAR_COPIES) {
    const name = relative(ROOT, path);
    if (sameJson(read(path), text)) continue;
    if (check) {
      console.error(`${name} is out of date: run \`npx tsx editors/textmate/generate.ts\``);
      stale++;
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${name}`);
    }
  }
  return stale === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
