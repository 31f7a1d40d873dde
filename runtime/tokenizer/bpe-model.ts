/**
 * The BPE model of tokenizer.json (`model.type: "BPE"`), following Hugging Face tokenizers:
 * a word starts as one symbol per character (with `continuing_subword_prefix` /
 * `end_of_word_suffix` where set; unknown characters become byte tokens `<0xAB>` under
 * `byte_fallback`, else `unk_token`, fused when `fuse_unk`), then the lowest-ranked adjacent
 * pair is merged until no pair has a merge (leftmost first on ties, as HF's priority queue
 * does). With `ignore_merges`, a word that is itself in the vocabulary is one token (Llama 3).
 * `dropout` is a training-time regulariser and is not applied.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { asObject, type Json } from "./components.js";

/** A pair of ids as one number (exact for ids below 2^26). */
function pairKey(a: number, b: number): number {
  return a * 67108864 + b;
}

export interface BpeModelJson {
  type: "BPE";
  dropout?: number | null;
  unk_token?: string | null;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  fuse_unk?: boolean;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
  vocab: Record<string, number>;
  merges: (string | [string, string])[];
}

/** Min-heap of (rank, position) candidates. */
class MergeQueue {
  private readonly ranks: number[] = [];
  private readonly pos: number[] = [];
  get size(): number {
    return this.ranks.length;
  }
  private less(a: number, b: number): boolean {
    return (
      this.ranks[a] < this.ranks[b] ||
      (this.ranks[a] === this.ranks[b] && this.pos[a] < this.pos[b])
    );
  }
  private swap(a: number, b: number): void {
    [this.ranks[a], this.ranks[b]] = [this.ranks[b], this.ranks[a]];
    [this.pos[a], this.pos[b]] = [this.pos[b], this.pos[a]];
  }
  push(rank: number, position: number): void {
    this.ranks.push(rank);
    this.pos.push(position);
    let i = this.ranks.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.ranks[0], this.pos[0]];
    const last = this.ranks.length - 1;
    this.swap(0, last);
    this.ranks.pop();
    this.pos.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.ranks.length && this.less(l, m)) m = l;
      if (r < this.ranks.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

export class BpeModel {
  readonly vocab: Map<string, number>;
  readonly idToToken: Map<number, string>;
  /** pairKey(a, b) (ids) → [rank, merged id]. */
  private readonly merges = new Map<number, [number, number]>();
  readonly mergeList: [string, string][];
  private readonly cache = new Map<string, number[]>();
  readonly unkToken?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly fuseUnk: boolean;
  readonly byteFallback: boolean;
  readonly ignoreMerges: boolean;

  constructor(json: Json, path: string) {
    const vocab = asObject(json.vocab, "model.vocab", path);
    this.vocab = new Map();
    this.idToToken = new Map();
    for (const [tok, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id))
        throw new PipeError("PW6501", `model.vocab["${tok}"] is not an integer id`, { path });
      this.vocab.set(tok, id as number);
      this.idToToken.set(id as number, tok);
    }
    this.unkToken = typeof json.unk_token === "string" ? json.unk_token : undefined;
    this.prefix =
      typeof json.continuing_subword_prefix === "string"
        ? json.continuing_subword_prefix
        : undefined;
    this.suffix = typeof json.end_of_word_suffix === "string" ? json.end_of_word_suffix : undefined;
    this.fuseUnk = json.fuse_unk === true;
    this.byteFallback = json.byte_fallback === true;
    this.ignoreMerges = json.ignore_merges === true;
    if (!Array.isArray(json.merges))
      throw new PipeError("PW6501", "model.merges must be a list", { path });
    this.mergeList = [];
    (json.merges as unknown[]).forEach((m, rank) => {
      let pair: [string, string];
      if (typeof m === "string") {
        const space = m.indexOf(" ", 1);
        if (space === -1)
          throw new PipeError("PW6501", `merge ${rank} ${JSON.stringify(m)} is not "a b"`, {
            path,
          });
        pair = [m.slice(0, space), m.slice(space + 1)];
      } else if (
        Array.isArray(m) &&
        m.length === 2 &&
        typeof m[0] === "string" &&
        typeof m[1] === "string"
      ) {
        pair = [m[0], m[1]];
      } else
        throw new PipeError("PW6501", `merge ${rank} is neither "a b" nor ["a", "b"]`, { path });
      const a = this.vocab.get(pair[0]);
      const b = this.vocab.get(pair[1]);
      const merged = this.vocab.get(
        pair[0] +
          pair[1].slice(this.prefix && pair[1].startsWith(this.prefix) ? this.prefix.length : 0),
      );
      if (a === undefined || b === undefined || merged === undefined) {
        throw new PipeError(
          "PW6504",
          `merge ${rank} (${JSON.stringify(pair.join(" "))}) uses a token that is not in the vocabulary`,
          { path },
        );
      }
      this.mergeList.push(pair);
      const key = pairKey(a, b);
      if (!this.merges.has(key)) this.merges.set(key, [rank, merged]);
    });
    if (this.unkToken !== undefined && !this.vocab.has(this.unkToken)) {
      throw new PipeError(
        "PW6504",
        `unk_token ${JSON.stringify(this.unkToken)} is not in the vocabulary`,
        { path },
      );
    }
  }

  /** Token ids of one pre-tokenized word. */
  tokenize(word: string): number[] {
    if (word === "") return [];
    const cached = this.cache.get(word);
    if (cached) return cached;
    let ids: number[];
    const whole = this.ignoreMerges ? this.vocab.get(word) : undefined;
    if (whole !== undefined) ids = [whole];
    else ids = this.mergeWord(this.initialSymbols(word));
    // Long words (whole texts under a character tokenizer) are not worth caching.
    if (word.length <= 64) {
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(word, ids);
    }
    return ids;
  }

  private initialSymbols(word: string): number[] {
    const chars = Array.from(word);
    const symbols: number[] = [];
    let pendingUnk = false;
    const unkId = this.unkToken !== undefined ? this.vocab.get(this.unkToken) : undefined;
    chars.forEach((ch, k) => {
      let s = ch;
      if (k > 0 && this.prefix) s = this.prefix + s;
      if (k === chars.length - 1 && this.suffix) s = s + this.suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (pendingUnk) symbols.push(unkId as number);
        pendingUnk = false;
        symbols.push(id);
        return;
      }
      if (this.byteFallback) {
        const bytes = new TextEncoder().encode(s);
        const byteIds = Array.from(bytes, (b) =>
          this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`),
        );
        if (byteIds.every((x) => x !== undefined)) {
          if (pendingUnk) symbols.push(unkId as number);
          pendingUnk = false;
          symbols.push(...(byteIds as number[]));
          return;
        }
      }
      if (unkId !== undefined) {
        if (pendingUnk && !this.fuseUnk) symbols.push(unkId);
        pendingUnk = true;
      }
      // No unk token: Hugging Face drops the character; so do we.
    });
    if (pendingUnk) symbols.push(unkId as number);
    return symbols;
  }

  private mergeWord(symbols: number[]): number[] {
    const n = symbols.length;
    if (n < 2) return symbols;
    const id = symbols.slice();
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const alive = new Array<boolean>(n).fill(true);
    const queue = new MergeQueue();
    const pairAt = (i: number): [number, number] | undefined => {
      const j = next[i];
      return j === -1 ? undefined : this.merges.get(pairKey(id[i], id[j]));
    };
    for (let i = 0; i < n - 1; i++) {
      const m = pairAt(i);
      if (m) queue.push(m[0], i);
    }
    while (queue.size > 0) {
      const [rank, i] = queue.pop();
      if (!alive[i]) continue;
      const m = pairAt(i);
      if (!m || m[0] !== rank) continue; // stale entry
      const j = next[i];
      id[i] = m[1];
      alive[j] = false;
      next[i] = next[j];
      if (next[j] !== -1) prev[next[j]] = i;
      if (prev[i] !== -1) {
        const pm = pairAt(prev[i]);
        if (pm) queue.push(pm[0], prev[i]);
      }
      const nm = pairAt(i);
      if (nm) queue.push(nm[0], i);
    }
    const out: number[] = [];
    for (let i = 0; i !== -1; i = next[i]) out.push(id[i]);
    return out;
  }
}
