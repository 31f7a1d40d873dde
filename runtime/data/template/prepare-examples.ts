/**
 * Records → training examples: template, tokenize, truncate, optionally pack. Examples left
 * without answer tokens become drops (`no_answer_tokens`) in the cleaning report, and the
 * truncation counts go to its `tokenization` section, so the report tells the whole story.
 */
import type { DataRecord } from "../format/record.js";
import { addDrop, type CleanReport } from "../clean/clean-report.js";
import { applyTemplate, type ResolvedTemplate } from "./apply-template.js";
import { packExamples, type PackedSequence } from "./packing.js";
import {
  emptyTokenizeStats,
  tokenizeExample,
  type SegmentTokenizer,
  type TokenizedExample,
  type TokenizeExampleOptions,
  type TokenizeStats,
} from "./tokenize-example.js";

export interface PrepareOptions extends TokenizeExampleOptions {
  pack?: boolean;
}

export interface PreparedExamples {
  examples: TokenizedExample[];
  /** Present when `pack` is set. */
  packed?: PackedSequence[];
  stats: TokenizeStats;
}

export function prepareExamples(
  records: readonly DataRecord[],
  template: ResolvedTemplate,
  tokenizer: SegmentTokenizer,
  options: PrepareOptions,
  report?: CleanReport,
): PreparedExamples {
  const stats = emptyTokenizeStats();
  const examples: TokenizedExample[] = [];
  for (const r of records) {
    const before = stats.noAnswer.count;
    const out = tokenizeExample(
      applyTemplate(r, template),
      tokenizer,
      { ...options, maxExamples: 20 },
      stats,
    );
    if (report && stats.noAnswer.count > before) {
      addDrop(
        report,
        "no_answer_tokens",
        `${r.source.path}:${r.source.line}`,
        `no answer token left within max_length ${options.maxLength}`,
        20,
        "PW6205",
      );
      report.totals.kept--;
      report.totals.keptByOrigin[r.source.origin]--;
    }
    examples.push(...out);
  }
  if (report) {
    // Accumulates over calls (one per split).
    const t = (report.tokenization ??= {
      examples: 0,
      truncated: 0,
      droppedTokens: 0,
      droppedTrainedTokens: 0,
      truncatedExamples: [],
    });
    t.examples += stats.examples;
    t.truncated += stats.truncated.count;
    t.droppedTokens += stats.truncated.droppedTokens;
    t.droppedTrainedTokens += stats.truncated.droppedTrainedTokens;
    t.truncatedExamples.push(
      ...stats.truncated.examples.slice(0, Math.max(0, 20 - t.truncatedExamples.length)),
    );
  }
  return {
    examples,
    packed: options.pack ? packExamples(examples, { maxLength: options.maxLength }) : undefined,
    stats,
  };
}
