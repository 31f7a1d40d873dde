import type { DiagnosticEntry } from "./entry.js";

/**
 * PW3xxx — real-world checks. PW30xx: model directories, safetensors files, adapter targets,
 * tokenizers. PW31xx: datasets (sampled rows, templates, lengths). PW32xx: detection data.
 */
export const WORLD_CODES = [
  // Model directory and config.json
  {
    code: "PW3001",
    name: "model-dir-missing",
    severity: "error",
    summary: "The model directory does not exist or is not a directory.",
  },
  {
    code: "PW3002",
    name: "model-config-missing",
    severity: "error",
    summary: "The model directory has no config.json.",
  },
  {
    code: "PW3003",
    name: "model-config-invalid",
    severity: "error",
    summary: "config.json is not valid JSON, or a required field is missing or has a bad value.",
  },
  {
    code: "PW3004",
    name: "model-architecture-unsupported",
    severity: "error",
    summary: "config.json describes an architecture that is not a Llama-style decoder.",
  },
  {
    code: "PW3005",
    name: "model-shape-mismatch",
    severity: "error",
    summary: "A tensor in the safetensors header has a shape that disagrees with config.json.",
  },
  {
    code: "PW3006",
    name: "model-tensor-missing",
    severity: "error",
    summary: "A tensor the architecture needs is in none of the model's safetensors files.",
  },
  {
    code: "PW3007",
    name: "model-tensor-unexpected",
    severity: "warning",
    summary: "The weights hold tensors that the architecture in config.json does not use.",
  },
  {
    code: "PW3008",
    name: "model-weights-missing",
    severity: "warning",
    summary: "The model directory has no safetensors weights (planning from config.json only).",
  },
  // safetensors files
  {
    code: "PW3010",
    name: "safetensors-unreadable",
    severity: "error",
    summary: "A safetensors file cannot be opened or read.",
  },
  {
    code: "PW3011",
    name: "safetensors-header-invalid",
    severity: "error",
    summary: "A safetensors header is malformed, or its offsets disagree with the file size.",
  },
  {
    code: "PW3012",
    name: "safetensors-dtype-unsupported",
    severity: "error",
    summary: "A tensor has a dtype that cannot be read into a typed array.",
  },
  {
    code: "PW3013",
    name: "safetensors-tensor-not-found",
    severity: "error",
    summary: "A named tensor is not in the safetensors file (or shard index).",
  },
  {
    code: "PW3014",
    name: "safetensors-index-invalid",
    severity: "error",
    summary: "model.safetensors.index.json is malformed or disagrees with the shard headers.",
  },
  {
    code: "PW3015",
    name: "safetensors-shard-missing",
    severity: "error",
    summary: "A shard named by model.safetensors.index.json does not exist.",
  },
  {
    code: "PW3016",
    name: "safetensors-write-failed",
    severity: "error",
    summary: "A safetensors file could not be written.",
  },
  // Adapter targets
  {
    code: "PW3020",
    name: "adapter-target-none",
    severity: "error",
    summary: "An adapter target matches no module of the model.",
  },
  {
    code: "PW3021",
    name: "adapter-target-partial",
    severity: "warning",
    summary: "An adapter target matches modules in some layers but not in others.",
  },
  {
    code: "PW3022",
    name: "adapter-rank-too-large",
    severity: "error",
    summary: "The LoRA rank exceeds min(d, k) of a targeted matrix.",
  },
  {
    code: "PW3023",
    name: "adapter-target-pattern-invalid",
    severity: "error",
    summary: "An adapter target pattern is not a valid regular expression or glob.",
  },
  // Tokenizers and teacher/student compatibility
  {
    code: "PW3030",
    name: "tokenizer-missing",
    severity: "error",
    summary: "The model directory has no tokenizer.json.",
  },
  {
    code: "PW3031",
    name: "tokenizer-invalid",
    severity: "error",
    summary: "tokenizer.json or tokenizer_config.json is malformed.",
  },
  {
    code: "PW3032",
    name: "tokenizer-exceeds-vocab",
    severity: "error",
    summary: "The tokenizer produces ids at or above config.json's vocab_size.",
  },
  {
    code: "PW3033",
    name: "distill-logit-size-mismatch",
    severity: "error",
    summary: "Teacher and student logits have different sizes (config.json vocab_size).",
  },
  {
    code: "PW3034",
    name: "distill-vocab-mismatch",
    severity: "error",
    summary: "Teacher and student tokenizers map tokens to different ids.",
  },
  {
    code: "PW3035",
    name: "distill-special-tokens-mismatch",
    severity: "warning",
    summary: "Teacher and student use different special tokens (bos/eos/pad/unk).",
  },
  // Datasets (PW31xx): the first `sample_rows` rows, templates, lengths
  {
    code: "PW3101",
    name: "dataset-file-missing",
    severity: "error",
    summary: "A dataset's file or folder does not exist and no `generate:` block creates it.",
  },
  {
    code: "PW3102",
    name: "dataset-file-generated",
    severity: "info",
    summary: "A dataset's file does not exist yet; its `generate:` block creates it at run time.",
  },
  {
    code: "PW3103",
    name: "dataset-file-unreadable",
    severity: "error",
    summary:
      "A dataset path exists but cannot be read as data (a folder, an unknown extension, no permission).",
  },
  {
    code: "PW3104",
    name: "dataset-row-malformed",
    severity: "warning",
    summary:
      "A sampled row is not valid JSON/CSV (an error with `on_bad_row: fail`, which would stop the run).",
  },
  {
    code: "PW3105",
    name: "dataset-row-invalid",
    severity: "warning",
    summary:
      "A sampled row does not match the dataset format's JSON Schema (an error with `on_bad_row: fail`).",
  },
  {
    code: "PW3106",
    name: "dataset-format-mismatch",
    severity: "error",
    summary: "Most sampled rows do not match the declared format (the data is in another format?).",
  },
  {
    code: "PW3107",
    name: "dataset-empty",
    severity: "warning",
    summary: "A dataset file holds no rows.",
  },
  {
    code: "PW3108",
    name: "dataset-generator-mismatch",
    severity: "error",
    summary: "A `generate:` block writes records of another format than the dataset declares.",
  },
  {
    code: "PW3110",
    name: "template-field-unknown",
    severity: "error",
    summary: "A prompt template uses a {placeholder} that is not a field of the dataset format.",
  },
  {
    code: "PW3111",
    name: "template-chat-unavailable",
    severity: "error",
    summary:
      "`template: chat` needs the model's chat template, and the model's tokenizer_config.json has none.",
  },
  {
    code: "PW3120",
    name: "dataset-truncation",
    severity: "warning",
    summary:
      "The estimated token lengths of the sampled rows exceed `max_length` so that truncation would cut most answers.",
  },
  // Detection data (PW32xx): dataset.yaml, classes, folders
  {
    code: "PW3201",
    name: "detection-yaml-invalid",
    severity: "error",
    summary: "dataset.yaml cannot be parsed, or a key is missing or has a bad value.",
  },
  {
    code: "PW3202",
    name: "detection-names-nc-mismatch",
    severity: "error",
    summary: "dataset.yaml's `names` and `nc` disagree.",
  },
  {
    code: "PW3203",
    name: "detection-class-unknown",
    severity: "error",
    summary:
      "A class in an inspection severity map or verdict rule is not one of the dataset's classes.",
  },
  {
    code: "PW3204",
    name: "detection-class-no-severity",
    severity: "warning",
    summary: "A class of the dataset has no entry in the inspection's severity map.",
  },
  {
    code: "PW3205",
    name: "detection-images-missing",
    severity: "error",
    summary:
      "An image folder or list named by dataset.yaml (`path`, `train`, `val`, `test`) does not exist.",
  },
  {
    code: "PW3206",
    name: "detection-labels-missing",
    severity: "warning",
    summary:
      "An image folder has no matching `labels` folder: every image would count as background.",
  },
  {
    code: "PW3207",
    name: "detection-classes-mismatch",
    severity: "error",
    summary: "A detector's `classes` list disagrees with the class names of the data it trains on.",
  },
] as const satisfies readonly DiagnosticEntry[];

/** The codes above, by name, so that callers never spell a code by hand. */
export const WORLD = {
  modelDirMissing: "PW3001",
  modelConfigMissing: "PW3002",
  modelConfigInvalid: "PW3003",
  modelArchitectureUnsupported: "PW3004",
  modelShapeMismatch: "PW3005",
  modelTensorMissing: "PW3006",
  modelTensorUnexpected: "PW3007",
  modelWeightsMissing: "PW3008",
  safetensorsUnreadable: "PW3010",
  safetensorsHeaderInvalid: "PW3011",
  safetensorsDtypeUnsupported: "PW3012",
  safetensorsTensorNotFound: "PW3013",
  safetensorsIndexInvalid: "PW3014",
  safetensorsShardMissing: "PW3015",
  safetensorsWriteFailed: "PW3016",
  adapterTargetNone: "PW3020",
  adapterTargetPartial: "PW3021",
  adapterRankTooLarge: "PW3022",
  adapterTargetPatternInvalid: "PW3023",
  tokenizerMissing: "PW3030",
  tokenizerInvalid: "PW3031",
  tokenizerExceedsVocab: "PW3032",
  distillLogitSizeMismatch: "PW3033",
  distillVocabMismatch: "PW3034",
  distillSpecialTokensMismatch: "PW3035",
  datasetFileMissing: "PW3101",
  datasetFileGenerated: "PW3102",
  datasetFileUnreadable: "PW3103",
  datasetRowMalformed: "PW3104",
  datasetRowInvalid: "PW3105",
  datasetFormatMismatch: "PW3106",
  datasetEmpty: "PW3107",
  datasetGeneratorMismatch: "PW3108",
  templatePlaceholderUnknown: "PW3110",
  templateChatUnavailable: "PW3111",
  datasetTruncation: "PW3120",
  detectionYamlInvalid: "PW3201",
  detectionNamesNcMismatch: "PW3202",
  detectionClassUnknown: "PW3203",
  detectionClassNoSeverity: "PW3204",
  detectionImagesMissing: "PW3205",
  detectionLabelsMissing: "PW3206",
  detectionClassesMismatch: "PW3207",
} as const;
