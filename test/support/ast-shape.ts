/** The AST without spans and recovery marks: what "same meaning" compares. */
export function stripSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSpans);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "span" || k === "keywordSpan" || k === "comments" || k === "raw") continue;
      out[k] = stripSpans(v);
    }
    return out;
  }
  return value;
}
