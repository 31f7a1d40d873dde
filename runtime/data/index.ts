/** The data layer's public API (see README.md in this folder). */
export { buildDataset, writeCleanReport, writeJsonAtomic } from "./build-dataset.js";
export type { BuildDatasetOptions, BuiltDataset, DatasetSource } from "./build-dataset.js";
export { readRows, readAllRows, detectSourceFormat, describeIssues } from "./read/read-rows.js";
export type {
  RawRow,
  ReadIssue,
  ReadOptions,
  ReadReport,
  RowPlace,
  SourceFormat,
  MalformedPolicy,
  CsvOptions,
} from "./read/row.js";
export { readRecords, validateFirstRows, toDataIssue } from "./format/read-records.js";
export type { SourceReport } from "./format/read-records.js";
export { normalizeRow, assertDatasetFormat } from "./format/normalize-row.js";
export {
  DATASET_SCHEMAS,
  ALPACA_SCHEMA,
  SHAREGPT_SCHEMA,
  PREFERENCE_SCHEMA,
  TEXT_SCHEMA,
  validateRow,
} from "./format/schemas.js";
export * from "./format/record.js";
export { Cleaner, cleanRecords } from "./clean/cleaner.js";
export type {
  CleanOptions,
  CleanRule,
  NormalizeOptions,
  QualityOptions,
  AugmentOptions,
  SynthesisOptions,
} from "./clean/cleaner.js";
export { renderCleanReport, emptyCleanReport } from "./clean/clean-report.js";
export type { CleanReport, ReasonCount, ReasonExample } from "./clean/clean-report.js";
export * from "./clean/hooks.js";
export type { DedupeOptions } from "./clean/dedupe.js";
export type { PunctuationOptions, WhitespaceMode } from "./clean/normalize-text.js";
export type { Language } from "./clean/language.js";
export { splitRecords, splitTargets, leakageGroups } from "./split.js";
export type { SplitOptions, SplitReport, SplitSize, SplitSpec } from "./split.js";
export { ALPACA_EN, ALPACA_ZH } from "./template/alpaca-template.js";
export type { AlpacaTemplate } from "./template/alpaca-template.js";
export { ChatTemplate } from "./template/chat-template.js";
export { resolveTemplate, applyTemplate } from "./template/apply-template.js";
export type { TemplateOption, ResolvedTemplate } from "./template/apply-template.js";
export { IGNORE_INDEX, tokenizeExample, emptyTokenizeStats } from "./template/tokenize-example.js";
export type {
  SegmentTokenizer,
  TokenizedExample,
  TokenizeExampleOptions,
  TokenizeStats,
} from "./template/tokenize-example.js";
export { packExamples, padBatch } from "./template/packing.js";
export type { PackedSequence, PaddedBatch, PackOptions } from "./template/packing.js";
export { prepareExamples } from "./template/prepare-examples.js";
export type { PrepareOptions, PreparedExamples } from "./template/prepare-examples.js";
export type { Segment, TemplatedExample } from "./template/segments.js";
