/**
 * A character-level tokenizer for tiny Chinese models: one token per character (Chinese needs
 * no word splitting, and a few thousand characters cover most text). Stored as a Hugging Face
 * tokenizer.json — a BPE model with no merges and no pre-tokenizer, so each character is looked
 * up on its own — with byte fallback (`<0x00>`…`<0xFF>`), so a character outside the vocabulary
 * still round-trips. The same loader reads it; HF `tokenizers` can too.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import {
  addedTokenEntries,
  bosTemplate,
  tokenizerConfigJson,
  type SpecialRoles,
} from "./tokenizer-files.js";

export interface CharTokenizerOptions {
  /** Largest vocabulary (special + byte + character tokens). Default: every character seen. */
  vocabSize?: number;
  /** Keep characters seen at least this often. Default 1. */
  minFrequency?: number;
  specialTokens?: readonly string[];
  roles?: SpecialRoles;
  /** 256 byte tokens for unseen characters (default true); without them, unknowns map to `<unk>`. */
  byteFallback?: boolean;
}

export async function trainCharTokenizer(
  corpus: Iterable<string> | AsyncIterable<string>,
  options: CharTokenizerOptions = {},
): Promise<{ tokenizer: Record<string, unknown>; config: Record<string, unknown> }> {
  const byteFallback = options.byteFallback !== false;
  const specials = [...(options.specialTokens ?? [])];
  const roles: SpecialRoles = { ...options.roles };
  if (!byteFallback) {
    roles.unk ??= "<unk>";
    if (!specials.includes(roles.unk)) specials.push(roles.unk);
  }
  for (const [role, tok] of Object.entries(roles)) {
    if (typeof tok === "string" && !specials.includes(tok)) {
      throw new PipeError(
        "PW6505",
        `the ${role} token ${JSON.stringify(tok)} is not among the special tokens`,
      );
    }
  }
  const freq = new Map<string, number>();
  for await (const text of corpus) for (const ch of text) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = next++;
  };
  specials.forEach(add);
  if (byteFallback)
    for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  const limit = options.vocabSize ?? Number.MAX_SAFE_INTEGER;
  if (limit < next) {
    throw new PipeError(
      "PW6505",
      `vocab_size ${limit} is smaller than the ${next} special and byte tokens`,
    );
  }
  const chars = [...freq.entries()]
    .filter(([, n]) => n >= (options.minFrequency ?? 1))
    .sort(
      (x, y) => y[1] - x[1] || (x[0].codePointAt(0) as number) - (y[0].codePointAt(0) as number),
    );
  for (const [ch] of chars) {
    if (next >= limit) break;
    add(ch);
  }
  if (next === specials.length + (byteFallback ? 256 : 0))
    throw new PipeError("PW6505", "the training corpus is empty");
  const addBos = roles.bos !== undefined && roles.addBos !== false;
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokenEntries(specials, (t) => vocab[t]),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: addBos ? bosTemplate(roles.bos as string, vocab[roles.bos as string]) : null,
    decoder: byteFallback
      ? { type: "Sequence", decoders: [{ type: "ByteFallback" }, { type: "Fuse" }] }
      : { type: "Fuse" },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: byteFallback ? null : roles.unk,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: !byteFallback,
      byte_fallback: byteFallback,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
  return { tokenizer, config: tokenizerConfigJson({ ...roles, addBos }) };
}
