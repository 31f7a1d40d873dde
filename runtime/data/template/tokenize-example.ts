/**
 * Templated example → token ids and labels. Each segment is tokenized on its own (no special
 * tokens) and the ids are concatenated, so the label mask follows segment boundaries exactly and
 * the prompt tokens are the same ones generation will start from. Labels follow the Hugging Face
 * convention: `labels[i]` is `inputIds[i]` where the token is trained and -100 elsewhere; the
 * loss shifts by one (logits at i predict labels[i+1]).
 *
 * Truncation keeps the head: tokens past `maxLength` are cut from the end (the answer's tail
 * first, then the EOS). An example left with no trained token is dropped and counted (PW6205).
 * Plain text longer than `maxLength` can instead be cut into consecutive windows (`overflow:
 * "chunk"`), which loses nothing.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { RecordSource } from "../format/record.js";
import { formatPlace } from "../read/row.js";
import type { TemplatedExample } from "./segments.js";

export const IGNORE_INDEX = -100;

/** What example tokenization needs from a tokenizer. `encode` must not add special tokens. */
export interface SegmentTokenizer {
  encode(text: string): number[];
  readonly bosId?: number;
  readonly eosId?: number;
  /** Whether this tokenizer's sequences start with BOS (Llama: yes; GPT-2, Qwen: no). */
  readonly addBos?: boolean;
}

export interface TokenizeExampleOptions {
  maxLength: number;
  /** Prepend BOS unless the text already starts with it. Default: the tokenizer's `addBos`. */
  addBos?: boolean;
  /** Override the template's choice of appending EOS. */
  addEos?: boolean;
  /** Over-long examples: cut the tail (default) or, for all-trained text, split into windows. */
  overflow?: "truncate" | "chunk";
  /** Example places kept per counter in the stats. Default 20. */
  maxExamples?: number;
}

export interface TokenizedExample {
  inputIds: number[];
  labels: number[];
  source: RecordSource;
  /** Tokens cut from the end by truncation (0 when the example fit). */
  truncatedTokens: number;
}

export interface TokenizeStats {
  examples: number;
  /** Examples produced (windows count separately under `chunk`). */
  produced: number;
  tokens: number;
  trainedTokens: number;
  truncated: {
    count: number;
    droppedTokens: number;
    droppedTrainedTokens: number;
    examples: string[];
  };
  noAnswer: { count: number; examples: string[] };
  chunked: { count: number; windows: number };
}

export function emptyTokenizeStats(): TokenizeStats {
  return {
    examples: 0,
    produced: 0,
    tokens: 0,
    trainedTokens: 0,
    truncated: { count: 0, droppedTokens: 0, droppedTrainedTokens: 0, examples: [] },
    noAnswer: { count: 0, examples: [] },
    chunked: { count: 0, windows: 0 },
  };
}

export function checkMaxLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 2) {
    throw new PipeError("PW6206", `max_length must be an integer of at least 2 (got ${maxLength})`);
  }
}

/**
 * Tokenizes one example. Returns one example, several windows (`chunk`), or none when nothing
 * trainable is left (counted in `stats.noAnswer` with the row's place).
 */
export function tokenizeExample(
  example: TemplatedExample,
  tokenizer: SegmentTokenizer,
  options: TokenizeExampleOptions,
  stats: TokenizeStats = emptyTokenizeStats(),
): TokenizedExample[] {
  const { maxLength } = options;
  checkMaxLength(maxLength);
  const maxExamples = options.maxExamples ?? 20;
  const note = (list: string[]) => {
    if (list.length < maxExamples) list.push(formatPlace(example.source));
  };
  stats.examples++;
  const ids: number[] = [];
  const labels: number[] = [];
  for (const seg of example.segments) {
    const segIds = tokenizer.encode(seg.text);
    for (const id of segIds) {
      ids.push(id);
      labels.push(seg.train ? id : IGNORE_INDEX);
    }
  }
  const addBos = options.addBos ?? tokenizer.addBos ?? false;
  let bosCount = 0;
  if (addBos && tokenizer.bosId !== undefined && ids[0] !== tokenizer.bosId) {
    ids.unshift(tokenizer.bosId);
    labels.unshift(IGNORE_INDEX);
    bosCount = 1;
  }
  if ((options.addEos ?? example.appendEos) && tokenizer.eosId !== undefined) {
    ids.push(tokenizer.eosId);
    labels.push(example.segments.some((s) => s.train) ? tokenizer.eosId : IGNORE_INDEX);
  }

  const allTrained = example.segments.every((s) => s.train);
  if (ids.length > maxLength && options.overflow === "chunk" && allTrained) {
    const out: TokenizedExample[] = [];
    const body = ids.slice(bosCount);
    const window = maxLength - bosCount;
    for (let start = 0; start < body.length; start += window) {
      const part = body.slice(start, start + window);
      const head = bosCount ? [tokenizer.bosId as number] : [];
      out.push({
        inputIds: [...head, ...part],
        labels: [...head.map(() => IGNORE_INDEX), ...part],
        source: example.source,
        truncatedTokens: 0,
      });
    }
    stats.chunked.count++;
    stats.chunked.windows += out.length;
    return finish(out);
  }

  let truncatedTokens = 0;
  if (ids.length > maxLength) {
    truncatedTokens = ids.length - maxLength;
    const droppedTrained = labels.slice(maxLength).filter((l) => l !== IGNORE_INDEX).length;
    ids.length = maxLength;
    labels.length = maxLength;
    stats.truncated.count++;
    stats.truncated.droppedTokens += truncatedTokens;
    stats.truncated.droppedTrainedTokens += droppedTrained;
    note(stats.truncated.examples);
  }
  if (!labels.some((l) => l !== IGNORE_INDEX)) {
    stats.noAnswer.count++;
    note(stats.noAnswer.examples);
    return [];
  }
  return finish([{ inputIds: ids, labels, source: example.source, truncatedTokens }]);

  function finish(list: TokenizedExample[]): TokenizedExample[] {
    for (const ex of list) {
      stats.produced++;
      stats.tokens += ex.inputIds.length;
      stats.trainedTokens += ex.labels.filter((l) => l !== IGNORE_INDEX).length;
    }
    return list;
  }
}
