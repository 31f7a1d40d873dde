/**
 * `quality { scorer: heuristic }`: a model-free score in [0, 1] for a record, the mean of four
 * checks on its answer text (the output, the chosen reply, the assistant turns, or the text):
 *
 *   length     min(1, characters / 20) — one-word answers score low
 *   variety    distinct characters / characters, scaled so ≥ 0.3 scores 1 ("哈哈哈哈…" is low)
 *   distinct   0 when the answer only repeats the instruction, else 1
 *   clean      share of characters that are not U+FFFD or leftover control characters
 *
 * A threshold of 0.5 drops empty, parroted and degenerate answers and keeps ordinary ones.
 */
import type { QualityScorer } from "../../data/clean/hooks.js";
import { recordField, type DataRecord } from "../../data/format/record.js";

function answerText(r: DataRecord): string {
  switch (r.kind) {
    case "instruction":
      return r.output;
    case "preference":
      return r.chosen;
    case "chat":
      return recordField(r, "assistant") ?? "";
    case "text":
      return r.text;
  }
}

function promptText(r: DataRecord): string {
  return r.kind === "text" ? "" : (recordField(r, "instruction") ?? "");
}

// eslint-disable-next-line no-control-regex
const JUNK = /[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/u;

export function heuristicQuality(record: DataRecord): number {
  const answer = answerText(record).trim();
  const chars = Array.from(answer);
  if (chars.length === 0) return 0;
  const length = Math.min(1, chars.length / 20);
  const variety = Math.min(1, new Set(chars).size / chars.length / 0.3);
  const prompt = promptText(record).trim();
  const distinct = prompt !== "" && prompt === answer ? 0 : 1;
  const clean = chars.filter((c) => !JUNK.test(c)).length / chars.length;
  return (length + variety + distinct + clean) / 4;
}

export const heuristicScorer: QualityScorer = async (record) =>
  Math.round(heuristicQuality(record) * 1000) / 1000;
