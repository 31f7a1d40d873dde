/**
 * `--require` gates of `pipe eval`: `rouge1>=0.3`, `bleu >= 20`, `perplexity<12.5`,
 * `bleu.bp>=0.9` (a field other than the score), one condition per flag. Parsed into the
 * runtime's gate conditions (runtime/llm-eval/gates.ts) so `pipe eval` and a pipeline's
 * `require` fail with the same messages.
 */
import type { Comparison, GateCondition } from "../../runtime/llm-eval/gates.js";

export type RequireParse = { ok: true; condition: GateCondition } | { ok: false; message: string };

const PATTERN =
  /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*(>=|<=|==|!=|>|<|=)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

export function parseRequire(text: string): RequireParse {
  const m = PATTERN.exec(text);
  if (!m) {
    return {
      ok: false,
      message: `--require ${JSON.stringify(text)} is not \`<metric>[.<field>] <op> <number>\` (op: >= > <= < == !=), e.g. "rouge1>=0.3"`,
    };
  }
  const [, metric, field, rawOp, number] = m;
  const op = (rawOp === "=" ? "==" : rawOp) as Comparison;
  return {
    ok: true,
    condition: { op, left: field ? { metric, field } : { metric }, right: Number(number) },
  };
}

/** The metric names conditions read (to check that they are measured). */
export function requiredMetrics(conditions: readonly GateCondition[]): string[] {
  const names: string[] = [];
  const walk = (c: GateCondition) => {
    if ("args" in c) c.args.forEach(walk);
    else if ("arg" in c) walk(c.arg);
    else for (const o of [c.left, c.right]) if (typeof o !== "number") names.push(o.metric);
  };
  conditions.forEach(walk);
  return names;
}
