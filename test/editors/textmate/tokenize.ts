/**
 * Test support: tokenizes `.pipe` text with the committed TextMate grammar through
 * vscode-textmate + vscode-oniguruma (the engine VS Code uses) and looks scopes up.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import vsctm from "vscode-textmate";
import oniguruma from "vscode-oniguruma";

export const ROOT = join(import.meta.dirname, "../../..");
export const GRAMMAR_PATH = join(ROOT, "editors/textmate/pipe.tmLanguage.json");
export const VSCODE_GRAMMAR_PATH = join(ROOT, "editors/vscode/syntaxes/pipe.tmLanguage.json");

export interface ScopedToken {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 columns, end exclusive. */
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

let grammarPromise: Promise<vsctm.IGrammar> | undefined;

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = readFileSync(join(ROOT, "node_modules/vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === "source.pipe"
        ? vsctm.parseRawGrammar(readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH)
        : null,
  });
  const grammar = await registry.loadGrammar("source.pipe");
  if (!grammar) throw new Error("source.pipe did not load");
  return grammar;
}

/** The committed grammar, loaded once per test file. */
export function pipeGrammar(): Promise<vsctm.IGrammar> {
  grammarPromise ??= loadGrammar();
  return grammarPromise;
}

/** Splits lines the way editors do (`\n` or `\r\n`). */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** Every token of every line, in order. */
export async function tokenize(text: string): Promise<ScopedToken[]> {
  const grammar = await pipeGrammar();
  const out: ScopedToken[] = [];
  let stack = vsctm.INITIAL;
  splitLines(text).forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, stack);
    for (const t of result.tokens) {
      const end = Math.min(t.endIndex, lineText.length);
      if (end <= t.startIndex) continue;
      out.push({
        line,
        start: t.startIndex,
        end,
        text: lineText.slice(t.startIndex, end),
        scopes: t.scopes,
      });
    }
    stack = result.ruleStack;
  });
  return out;
}

/** Scopes of the character at (line, column). */
export function scopesAt(tokens: ScopedToken[], line: number, column: number): string[] {
  const t = tokens.find((tok) => tok.line === line && tok.start <= column && column < tok.end);
  if (!t) throw new Error(`no token at ${line}:${column}`);
  return t.scopes;
}

/**
 * Scopes over the `nth` occurrence of `needle` in a one-line sample: one list per token the
 * needle covers (usually one).
 */
export function scopesOf(
  tokens: ScopedToken[],
  lineText: string,
  needle: string,
  nth = 0,
): string[][] {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = lineText.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`\`${needle}\` (#${nth}) not in \`${lineText}\``);
  }
  const covering = tokens.filter((t) => t.line === 0 && t.end > at && t.start < at + needle.length);
  return covering.map((t) => t.scopes);
}

/** True when some scope of the list starts with `prefix` (scope names are dot-separated). */
export function hasScope(scopes: string[], prefix: string): boolean {
  return scopes.some((s) => s === prefix || s.startsWith(`${prefix}.`));
}

/** Readable dump for failure messages. */
export function dump(tokens: ScopedToken[]): string {
  return tokens
    .map((t) => `${t.line}:${t.start} ${JSON.stringify(t.text)} ${t.scopes.slice(1).join(" ")}`)
    .join("\n");
}
