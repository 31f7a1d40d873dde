/**
 * A templated example is a list of text segments, each marked as trained on or not. After
 * tokenization, tokens of `train: false` segments get label -100 (no loss): the prompt is
 * context, only the answer is learned.
 */
import type { RecordSource } from "../format/record.js";

export interface Segment {
  text: string;
  /** True for answer text: its tokens carry loss. */
  train: boolean;
}

export interface TemplatedExample {
  segments: Segment[];
  source: RecordSource;
  /**
   * Append the tokenizer's EOS after the last segment (with loss), so the model learns to stop.
   * Alpaca templates want it; chat templates already end turns with their own token.
   */
  appendEos: boolean;
}

/** The text the model sees: all segments joined. */
export function exampleText(example: TemplatedExample): string {
  return example.segments.map((s) => s.text).join("");
}

/** The prompt: every segment before the first trained one (what generation starts from). */
export function promptText(example: TemplatedExample): string {
  const k = example.segments.findIndex((s) => s.train);
  return example.segments
    .slice(0, k === -1 ? example.segments.length : k)
    .map((s) => s.text)
    .join("");
}
