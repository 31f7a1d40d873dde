import type { DiagnosticEntry } from "./entry.js";

/**
 * PW6xxx — data rows at run time (runtime/data, runtime/tokenizer).
 * PW60xx: files and readers (JSONL, JSON arrays, CSV). PW61xx: dataset formats and records.
 * PW62xx: templates and tokenized examples. PW63xx: cleaning and its hooks. PW64xx: splits.
 * PW65xx: tokenizers (tokenizer.json, tokenizer_config.json, training). PW66xx: evaluation inputs
 * (prediction and reference files scored by `pipe eval`).
 * Row-level problems are warnings when the malformed-row policy is `skip` (the row is counted in
 * the report by reason, with its path:line) and errors when it is `fail`.
 */
export const DATA_CODES = [
  {
    code: "PW6001",
    name: "data-file-not-found",
    severity: "error",
    summary: "A data file does not exist or cannot be opened.",
  },
  {
    code: "PW6002",
    name: "data-source-format-unknown",
    severity: "error",
    summary:
      "The source format (jsonl, json, csv) cannot be inferred from the file name or content.",
  },
  {
    code: "PW6010",
    name: "jsonl-malformed-line",
    severity: "error",
    summary: "A line of a JSON Lines file is not valid JSON.",
  },
  {
    code: "PW6011",
    name: "json-array-malformed-element",
    severity: "error",
    summary: "An element of a JSON array file is not valid JSON.",
  },
  {
    code: "PW6012",
    name: "json-array-structure",
    severity: "error",
    summary:
      "A JSON array file is not an array, lacks a comma between elements, is not closed, or has content after the closing bracket.",
  },
  {
    code: "PW6013",
    name: "csv-malformed-record",
    severity: "error",
    summary:
      "A CSV record breaks RFC 4180 quoting: a stray quote, text after a closing quote, or an unclosed quote.",
  },
  {
    code: "PW6014",
    name: "csv-field-count",
    severity: "error",
    summary: "A CSV record has a different number of fields than the header row.",
  },
  {
    code: "PW6015",
    name: "csv-header-invalid",
    severity: "error",
    summary: "The CSV header row is missing, has an empty column name, or repeats a column name.",
  },
  {
    code: "PW6101",
    name: "record-schema-mismatch",
    severity: "error",
    summary:
      "A row does not match its dataset format (Alpaca, ShareGPT, preference, text): a missing field or a value of the wrong type.",
  },
  {
    code: "PW6102",
    name: "conversation-invalid",
    severity: "error",
    summary:
      "A ShareGPT conversation has no assistant turn, or a system turn that is not the first.",
  },
  {
    code: "PW6103",
    name: "dataset-format-unknown",
    severity: "error",
    summary: "The dataset format is not one of alpaca, sharegpt, preference, text.",
  },
  {
    code: "PW6201",
    name: "template-placeholder-unknown",
    severity: "error",
    summary: "A prompt template uses a placeholder other than {instruction} and {input}.",
  },
  {
    code: "PW6202",
    name: "chat-template-missing",
    severity: "error",
    summary: "A chat template was asked for but tokenizer_config.json has no `chat_template`.",
  },
  {
    code: "PW6203",
    name: "chat-template-render-failed",
    severity: "error",
    summary:
      "Rendering a Jinja chat template failed, or its output is not prefix-stable across turns (answers cannot be masked).",
  },
  {
    code: "PW6204",
    name: "template-record-mismatch",
    severity: "error",
    summary:
      "A template does not fit the record kind (an Alpaca template on a multi-turn conversation).",
  },
  {
    code: "PW6205",
    name: "example-no-answer-tokens",
    severity: "warning",
    summary:
      "After truncation to max_length no answer token is left; the example is dropped and counted.",
  },
  {
    code: "PW6206",
    name: "max-length-invalid",
    severity: "error",
    summary: "max_length must be an integer of at least 2.",
  },
  {
    code: "PW6301",
    name: "clean-rule-invalid",
    severity: "error",
    summary:
      "A cleaning rule is malformed: an unknown field, min greater than max, a bad threshold.",
  },
  {
    code: "PW6302",
    name: "quality-hook-failed",
    severity: "error",
    summary:
      "The quality-score callback (judge model) threw or returned a value that is not a finite number.",
  },
  {
    code: "PW6303",
    name: "augment-hook-failed",
    severity: "error",
    summary: "The augmentation callback threw or returned something that is not a list of records.",
  },
  {
    code: "PW6304",
    name: "synthesis-hook-failed",
    severity: "error",
    summary:
      "The synthetic-sample callback (teacher model) threw or returned something that is not a list of records.",
  },
  {
    code: "PW6401",
    name: "split-invalid",
    severity: "error",
    summary:
      "Split sizes are invalid: fractions above 100%, counts above the number of rows, more than one `rest`, or a negative size.",
  },
  {
    code: "PW6402",
    name: "split-empty",
    severity: "warning",
    summary:
      "A split asked for rows but received none (too few rows, or one large duplicate group).",
  },
  {
    code: "PW6501",
    name: "tokenizer-file-invalid",
    severity: "error",
    summary:
      "tokenizer.json (or tokenizer_config.json) is missing, is not JSON, or lacks a required key.",
  },
  {
    code: "PW6502",
    name: "tokenizer-component-unsupported",
    severity: "error",
    summary:
      "The tokenizer uses a model, normalizer, pre-tokenizer, post-processor or decoder type that Pipewright does not implement.",
  },
  {
    code: "PW6503",
    name: "tokenizer-regex-unsupported",
    severity: "error",
    summary: "A tokenizer regex cannot be translated to a JavaScript regular expression.",
  },
  {
    code: "PW6504",
    name: "tokenizer-token-unknown",
    severity: "error",
    summary:
      "A token named in the configuration (bos, eos, pad, a template token, a merge) is not in the vocabulary.",
  },
  {
    code: "PW6505",
    name: "tokenizer-train-invalid",
    severity: "error",
    summary:
      "Tokenizer training options are invalid (vocabulary smaller than the alphabet and special tokens, empty corpus).",
  },
  {
    code: "PW6601",
    name: "metric-input-invalid",
    severity: "error",
    summary:
      "Predictions and references cannot be scored: a record without the text a metric needs, a prediction whose id has no reference, a repeated reference id, or different counts without ids.",
  },
] as const satisfies readonly DiagnosticEntry[];
