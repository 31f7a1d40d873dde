/**
 * `augment { methods, ratio }`: for a share `ratio` of kept rows (seeded), one extra copy made
 * by one of the methods, picked with the same seeded stream. Model-free methods only:
 * `shuffle_sentences` (the answer's sentences in another order), `drop_chars` and
 * `swap_chars` (the instruction with a few characters dropped or swapped, the seed's
 * `add_noise`). `synonym` needs a thesaurus this build does not ship: it is refused.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { Augmenter } from "../../data/clean/hooks.js";
import type { DataRecord } from "../../data/format/record.js";
import type { Rng } from "../../util/random.js";
import { RUN_CODES } from "../types.js";

export type AugmentMethod = "shuffle_sentences" | "synonym" | "drop_chars" | "swap_chars";

function sentences(text: string): string[] {
  return text.match(/[^。！？.!?]+[。！？.!?]*\s*/gu) ?? [text];
}

function shuffleSentences(text: string, rng: Rng): string {
  const parts = sentences(text);
  if (parts.length < 2) return text;
  const shuffled = rng.shuffle([...parts]);
  return shuffled.join("");
}

function noise(text: string, rng: Rng, kind: "drop" | "swap", rate = 0.08): string {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (rng.next() >= rate) {
      out.push(chars[i]);
      continue;
    }
    if (kind === "swap" && i + 1 < chars.length) {
      out.push(chars[i + 1], chars[i]);
      i++;
    }
  }
  return out.join("");
}

function withAnswer(r: DataRecord, fn: (t: string) => string): DataRecord | undefined {
  switch (r.kind) {
    case "instruction":
      return { ...r, output: fn(r.output) };
    case "preference":
      return { ...r, chosen: fn(r.chosen) };
    case "text":
      return { ...r, text: fn(r.text) };
    case "chat":
      return undefined;
  }
}

function withPrompt(r: DataRecord, fn: (t: string) => string): DataRecord | undefined {
  switch (r.kind) {
    case "instruction":
      return { ...r, instruction: fn(r.instruction) };
    case "preference":
      return { ...r, prompt: fn(r.prompt) };
    case "text":
      return { ...r, text: fn(r.text) };
    case "chat":
      return undefined;
  }
}

export function makeAugmenter(options: { methods: AugmentMethod[]; ratio: number }): Augmenter {
  if (options.methods.includes("synonym")) {
    throw new PipeError(
      RUN_CODES.notImplemented,
      "augmentation method `synonym` is not implemented in this build yet",
      {},
      "use shuffle_sentences, drop_chars or swap_chars",
    );
  }
  const methods = options.methods;
  return (record, rng) => {
    if (methods.length === 0 || rng.next() >= options.ratio) return [];
    const method = methods[rng.int(methods.length)];
    const copy =
      method === "shuffle_sentences"
        ? withAnswer(record, (t) => shuffleSentences(t, rng))
        : withPrompt(record, (t) => noise(t, rng, method === "drop_chars" ? "drop" : "swap"));
    if (!copy || JSON.stringify(copy) === JSON.stringify(record)) return [];
    return [{ ...copy, source: { ...record.source, origin: "augmented" } }];
  };
}
