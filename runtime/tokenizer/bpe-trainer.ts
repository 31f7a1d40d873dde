/**
 * Trains a byte-level BPE tokenizer and returns it as a Hugging Face `tokenizer.json` object.
 * The algorithm follows Hugging Face's BpeTrainer step for step, so the same corpus gives the
 * same merges: special tokens first, then the alphabet sorted by code point, then merges of the
 * most frequent adjacent pair (ties: the smaller pair of ids), with HF's bookkeeping of pair
 * counts and of the words each queued pair occurs in. Deterministic; `sample` (with a seed)
 * trains on a seeded subset of a large corpus.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { createRng } from "../util/random.js";
import { byteLevelAlphabet } from "./byte-level.js";
import { GPT2_PATTERN, LLAMA3_PATTERN, QWEN2_PATTERN } from "./hf-regex.js";
import { buildNormalizer } from "./normalizers.js";
import { buildPreTokenizer } from "./pre-tokenizers.js";
import {
  addedTokenEntries,
  bosTemplate,
  tokenizerConfigJson,
  type SpecialRoles,
} from "./tokenizer-files.js";

export interface BpeTrainerOptions {
  /** Final vocabulary size, special tokens included. */
  vocabSize: number;
  /** A pair must occur at least this often to be merged. Default 2. */
  minFrequency?: number;
  /** Special tokens, given ids 0, 1, ... in this order. */
  specialTokens?: readonly string[];
  /** Which tokens play which role (each must be among the special tokens). */
  roles?: SpecialRoles;
  /** Pre-tokenizer split: GPT-2's (default), Llama 3's, Qwen 2's, or a regex of your own. */
  pattern?: "gpt2" | "llama3" | "qwen2" | { regex: string };
  /** `bytes` (default): all 256 byte characters, so any text encodes; `corpus`: only those seen. */
  initialAlphabet?: "bytes" | "corpus";
  /** Unicode normalisation before pre-tokenizing. Default none. */
  normalizer?: "NFC" | "NFKC";
  /** Longest token, in characters. */
  maxTokenLength?: number;
  /** Train on at most `maxSequences` sequences, a seeded reservoir sample. */
  sample?: { maxSequences: number; seed: number };
}

interface QueueEntry {
  a: number;
  b: number;
  count: number;
  pos: Set<number>;
}

/** Max-heap by count, then the smaller (a, b) first — HF's `Merge` ordering. */
class PairQueue {
  private readonly heap: QueueEntry[] = [];
  get size(): number {
    return this.heap.length;
  }
  private before(x: QueueEntry, y: QueueEntry): boolean {
    if (x.count !== y.count) return x.count > y.count;
    if (x.a !== y.a) return x.a < y.a;
    return x.b < y.b;
  }
  push(e: QueueEntry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): QueueEntry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as QueueEntry;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l], h[m])) m = l;
        if (r < h.length && this.before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

const PAIR_SHIFT = 2 ** 21;
const pairKey = (a: number, b: number) => a * PAIR_SHIFT + b;

function patternSpec(pattern: BpeTrainerOptions["pattern"]): { pre: Record<string, unknown> } {
  if (pattern === undefined || pattern === "gpt2") {
    return {
      pre: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    };
  }
  const regex =
    pattern === "llama3" ? LLAMA3_PATTERN : pattern === "qwen2" ? QWEN2_PATTERN : pattern.regex;
  return {
    pre: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: regex }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
  };
}

/** Counts pre-tokenized words of a corpus (each item is one sequence, as HF feeds lines). */
async function countWords(
  corpus: Iterable<string> | AsyncIterable<string>,
  split: (text: string) => string[],
  sample?: { maxSequences: number; seed: number },
): Promise<Map<string, number>> {
  let sequences: Iterable<string> | AsyncIterable<string> = corpus;
  if (sample) {
    const rng = createRng(sample.seed);
    const kept: string[] = [];
    let seen = 0;
    for await (const s of corpus) {
      seen++;
      if (kept.length < sample.maxSequences) kept.push(s);
      else {
        const j = rng.int(seen);
        if (j < sample.maxSequences) kept[j] = s;
      }
    }
    sequences = kept;
  }
  const counts = new Map<string, number>();
  for await (const s of sequences) {
    for (const w of split(s)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

export async function trainBpeTokenizer(
  corpus: Iterable<string> | AsyncIterable<string>,
  options: BpeTrainerOptions,
): Promise<{
  tokenizer: Record<string, unknown>;
  config: Record<string, unknown>;
  merges: number;
}> {
  const specials = [...(options.specialTokens ?? [])];
  const minFrequency = options.minFrequency ?? 2;
  const maxLen = options.maxTokenLength ?? Number.MAX_SAFE_INTEGER;
  const alphabetSize = options.initialAlphabet === "corpus" ? 0 : 256;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < specials.length + alphabetSize) {
    throw new PipeError(
      "PW6505",
      `vocab_size ${options.vocabSize} is smaller than the ${specials.length} special tokens and the ${alphabetSize}-byte alphabet`,
      {},
      `use a vocab_size of at least ${specials.length + alphabetSize}`,
    );
  }
  const roles = options.roles ?? {};
  for (const [role, tok] of Object.entries(roles)) {
    if (typeof tok === "string" && !specials.includes(tok)) {
      throw new PipeError(
        "PW6505",
        `the ${role} token ${JSON.stringify(tok)} is not among the special tokens`,
      );
    }
  }
  const { pre } = patternSpec(options.pattern);
  const normalizerJson = options.normalizer ? { type: options.normalizer } : null;
  const normalize = buildNormalizer(normalizerJson, "trainer");
  const preTokenize = buildPreTokenizer(pre, "trainer");
  const split = (text: string) => {
    const t = normalize ? normalize(text) : text;
    return preTokenize ? preTokenize([{ text: t, first: true }]).map((p) => p.text) : [t];
  };
  const wordCounts = await countWords(corpus, split, options.sample);
  if (wordCounts.size === 0) throw new PipeError("PW6505", "the training corpus is empty");

  // 1. Special tokens. 2. Alphabet by code point.
  const idToWord: string[] = [];
  const wordToId = new Map<string, number>();
  const addToken = (t: string) => {
    if (!wordToId.has(t)) {
      wordToId.set(t, idToWord.length);
      idToWord.push(t);
    }
  };
  specials.forEach(addToken);
  const alphabet = new Set<string>();
  for (const w of wordCounts.keys()) for (const ch of w) alphabet.add(ch);
  if (options.initialAlphabet !== "corpus") for (const ch of byteLevelAlphabet()) alphabet.add(ch);
  [...alphabet]
    .sort((x, y) => (x.codePointAt(0) as number) - (y.codePointAt(0) as number))
    .forEach(addToken);

  // 3. Words as symbol ids.
  const words: number[][] = [];
  const wordLens: number[][] = [];
  const counts: number[] = [];
  for (const [w, c] of wordCounts) {
    const chars = Array.from(w);
    words.push(chars.map((ch) => wordToId.get(ch) as number));
    wordLens.push(chars.map(() => 1));
    counts.push(c);
  }

  // 4. Pair counts and where each pair occurs.
  const pairCounts = new Map<number, number>();
  let whereToUpdate = new Map<number, Set<number>>();
  words.forEach((syms, i) => {
    for (let k = 0; k + 1 < syms.length; k++) {
      const key = pairKey(syms[k], syms[k + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[i]);
      let set = whereToUpdate.get(key);
      if (!set) whereToUpdate.set(key, (set = new Set()));
      set.add(i);
    }
  });
  const queue = new PairQueue();
  const drainInto = () => {
    for (const [key, pos] of whereToUpdate) {
      const count = pairCounts.get(key) as number;
      if (count > 0)
        queue.push({ a: Math.floor(key / PAIR_SHIFT), b: key % PAIR_SHIFT, count, pos });
    }
    whereToUpdate = new Map();
  };
  drainInto();

  // 5. Merges.
  const merges: [number, number][] = [];
  const seenMerge = new Set<number>();
  while (wordToId.size < options.vocabSize && queue.size > 0) {
    const top = queue.pop();
    const key = pairKey(top.a, top.b);
    const current = pairCounts.get(key) as number;
    if (top.count !== current) {
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1 || minFrequency > top.count) break;
    const newToken = idToWord[top.a] + idToWord[top.b];
    addToken(newToken);
    const newId = wordToId.get(newToken) as number;
    if (!seenMerge.has(key)) merges.push([top.a, top.b]);
    seenMerge.add(key);
    for (const i of top.pos) {
      const changes = mergeWord(words, wordLens, i, top.a, top.b, newId, maxLen);
      for (const [pa, pb, change] of changes) {
        const pk = pairKey(pa, pb);
        pairCounts.set(pk, (pairCounts.get(pk) ?? 0) + change * counts[i]);
        if (change > 0) {
          let set = whereToUpdate.get(pk);
          if (!set) whereToUpdate.set(pk, (set = new Set()));
          set.add(i);
        }
      }
    }
    drainInto();
  }

  const vocab: Record<string, number> = {};
  idToWord.forEach((t, id) => {
    if (!specials.includes(t)) vocab[t] = id;
  });
  // HF keeps special tokens in the model vocabulary too.
  specials.forEach((t) => (vocab[t] = wordToId.get(t) as number));
  const orderedVocab: Record<string, number> = {};
  for (const [t, id] of Object.entries(vocab).sort((x, y) => x[1] - y[1])) orderedVocab[t] = id;

  const bos = roles.bos;
  const addBos = bos !== undefined && roles.addBos !== false;
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokenEntries(specials, (t) => wordToId.get(t) as number),
    normalizer: normalizerJson,
    pre_tokenizer: pre,
    post_processor: addBos
      ? bosTemplate(bos, wordToId.get(bos) as number)
      : { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: orderedVocab,
      merges: merges.map(([a, b]) => [idToWord[a], idToWord[b]]),
    },
  };
  return { tokenizer, config: tokenizerConfigJson({ ...roles, addBos }), merges: merges.length };
}

/**
 * Merges every (a, b) in word i into `replacement`, left to right, and returns the pair-count
 * changes around each merge (HF `Word::merge`: the merged pair itself is not decremented).
 */
function mergeWord(
  words: number[][],
  lens: number[][],
  i: number,
  a: number,
  b: number,
  replacement: number,
  maxLen: number,
): [number, number, number][] {
  const syms = words[i];
  const len = lens[i];
  const changes: [number, number, number][] = [];
  let k = 0;
  while (k < syms.length) {
    if (syms[k] === a && k + 1 < syms.length && syms[k + 1] === b) {
      const newLen = len[k] + len[k + 1];
      if (k > 0) {
        changes.push([syms[k - 1], a, -1]);
        if (len[k - 1] + newLen < maxLen) changes.push([syms[k - 1], replacement, 1]);
      }
      syms.splice(k, 2, replacement);
      len.splice(k, 2, newLen);
      if (k < syms.length - 1) {
        changes.push([b, syms[k + 1], -1]);
        if (len[k + 1] + newLen < maxLen) changes.push([replacement, syms[k + 1], 1]);
      }
    }
    k++;
  }
  return changes;
}
