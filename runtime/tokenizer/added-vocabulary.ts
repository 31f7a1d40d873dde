/**
 * Added tokens (tokenizer.json `added_tokens`): special tokens like `<|im_end|>` and any tokens
 * added after training. The input is split on them before normalisation and pre-tokenization
 * (leftmost-longest match), so `<|im_end|>` in a chat template becomes its one id and is never
 * byte-encoded. `single_word`, `lstrip`, `rstrip` and `normalized` behave as in Hugging Face:
 * non-normalized tokens are matched on the raw text, normalized ones on the normalised text.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";

export interface AddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

export type Segment =
  { text: string; id?: undefined; first: boolean } | { id: number; text: string; first: boolean };

const WORD = /[\p{L}\p{N}_]/u;

class Matcher {
  private readonly byFirst = new Map<string, AddedToken[]>();

  constructor(tokens: readonly AddedToken[], key: (t: AddedToken) => string) {
    for (const t of tokens) {
      const k = key(t);
      if (k === "") continue;
      const list = this.byFirst.get(k[0]) ?? [];
      list.push({ ...t, content: k });
      this.byFirst.set(k[0], list);
    }
    for (const list of this.byFirst.values())
      list.sort((a, b) => b.content.length - a.content.length);
  }

  get empty(): boolean {
    return this.byFirst.size === 0;
  }

  /** Splits `text` into plain pieces and token pieces. */
  split(text: string, first: boolean): Segment[] {
    const out: Segment[] = [];
    let plainStart = 0;
    let i = 0;
    while (i < text.length) {
      const candidates = this.byFirst.get(text[i]);
      let hit: AddedToken | undefined;
      if (candidates) {
        for (const t of candidates) {
          if (!text.startsWith(t.content, i)) continue;
          const end = i + t.content.length;
          if (t.single_word) {
            const before = i > 0 ? text[i - 1] : "";
            const after = end < text.length ? text[end] : "";
            if ((before && WORD.test(before)) || (after && WORD.test(after))) continue;
          }
          hit = t;
          break;
        }
      }
      if (!hit) {
        i++;
        continue;
      }
      let start = i;
      let end = i + hit.content.length;
      if (hit.lstrip) while (start > plainStart && /\s/u.test(text[start - 1])) start--;
      if (hit.rstrip) while (end < text.length && /\s/u.test(text[end])) end++;
      if (start > plainStart)
        out.push({ text: text.slice(plainStart, start), first: first && plainStart === 0 });
      out.push({ id: hit.id, text: text.slice(start, end), first: first && start === 0 });
      plainStart = end;
      i = end;
    }
    if (plainStart < text.length)
      out.push({ text: text.slice(plainStart), first: first && plainStart === 0 });
    return out;
  }
}

export class AddedVocabulary {
  readonly tokens: AddedToken[];
  private readonly byContent = new Map<string, AddedToken>();
  private readonly byId = new Map<number, AddedToken>();
  private readonly raw: Matcher;
  private readonly normalizedMatcher: Matcher;

  constructor(
    tokens: readonly AddedToken[],
    normalize: ((t: string) => string) | undefined,
    path: string,
  ) {
    this.tokens = [...tokens];
    for (const t of tokens) {
      if (!Number.isInteger(t.id) || typeof t.content !== "string") {
        throw new PipeError(
          "PW6501",
          "every added token needs an integer `id` and a string `content`",
          { path },
        );
      }
      this.byContent.set(t.content, t);
      this.byId.set(t.id, t);
    }
    // Special tokens are never normalised (as in HF); others default to normalized: true.
    const isNormalized = (t: AddedToken) => (t.normalized ?? !t.special) === true;
    this.raw = new Matcher(
      tokens.filter((t) => !isNormalized(t)),
      (t) => t.content,
    );
    this.normalizedMatcher = new Matcher(tokens.filter(isNormalized), (t) =>
      normalize ? normalize(t.content) : t.content,
    );
  }

  idOf(content: string): number | undefined {
    return this.byContent.get(content)?.id;
  }

  tokenOf(id: number): AddedToken | undefined {
    return this.byId.get(id);
  }

  isSpecial(id: number): boolean {
    return this.byId.get(id)?.special === true;
  }

  /**
   * Raw text → segments: added tokens (with ids) and normalised plain text ready for the
   * pre-tokenizer.
   */
  extractAndNormalize(text: string, normalize: ((t: string) => string) | undefined): Segment[] {
    const out: Segment[] = [];
    for (const seg of this.raw.split(text, true)) {
      if (seg.id !== undefined) {
        out.push(seg);
        continue;
      }
      const norm = normalize ? normalize(seg.text) : seg.text;
      if (this.normalizedMatcher.empty) out.push({ text: norm, first: seg.first });
      else out.push(...this.normalizedMatcher.split(norm, seg.first));
    }
    return out.filter((s) => s.id !== undefined || s.text !== "");
  }
}
