/**
 * The execution-graph IR: the one contract between the compiler and the runtime.
 *
 * Defined once with TypeBox, which gives the JSON Schema (compiler/ir/schema.json, written
 * by scripts/write-ir-schema.ts; ajv validates with it on both sides) and the static types
 * below. A `.pipe` stage lowers to one or more nodes; each node names its operation, the
 * stage it came from, its resolved settings, its inputs, the files it reads (fingerprinted)
 * and a content hash that the runtime uses as a cache key.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import {
  AttachAdapterSettings,
  CleanSettings,
  DetectSettings,
  DetectTrainSettings,
  DistillSettings,
  EvaluateSettings,
  ExportSettings,
  GenerateDataSettings,
  GenerateSettings,
  InitModelSettings,
  InspectSettings,
  LoadDatasetSettings,
  LoadModelSettings,
  Optimizer,
  PipelineSettings,
  QuantizeSettings,
  Schedule,
  SplitSettings,
  TeacherGenerateSettings,
  TokenizeSettings,
  TrainSettings,
  TrainTokenizerSettings,
} from "./schema-settings.js";
import { STAGE_KINDS } from "../../grammar/ast.js";
import {
  Annotations,
  Condition,
  Enum,
  FileFingerprint,
  Obj,
  Opt,
  Operand,
  SHA256,
  Str,
  Tagged,
} from "./schema-values.js";

/** Bump when the IR changes incompatibly; it is part of every hash (old caches go stale). */
export const IR_VERSION = 1;

export const IR_SCHEMA_ID = "https://pipewright.dev/schemas/ir-v1.json";

/**
 * Input ports an operation accepts. `name[]` stands for indexed ports `name[0]`, `name[1]`…
 * (one per item of a list argument).
 */
export const OP_PORTS = {
  "generate-data": [],
  "load-dataset": ["source"],
  clean: ["data", "quality.judge", "synthesize.teacher"],
  split: ["data"],
  tokenize: ["data", "tokenizer"],
  "train-tokenizer": ["data", "data[]"],
  "load-model": ["tokenizer"],
  "init-model": ["tokenizer", "classes"],
  quantize: ["model"],
  "attach-adapter": ["model"],
  train: ["model", "data", "eval.data"],
  distill: ["teacher", "student", "data", "eval.data"],
  "teacher-generate": ["teacher", "prompts"],
  generate: ["model", "prompts"],
  evaluate: ["model[]", "data[]", "judge"],
  "detect-train": ["model", "data", "eval.data"],
  detect: ["model", "images"],
  inspect: ["detections"],
  export: ["target"],
} as const;

export type IrOp = keyof typeof OP_PORTS;
export const IR_OPS = Object.keys(OP_PORTS) as IrOp[];

function portPattern(ports: readonly string[]): string {
  const alternatives = ports.map((p) =>
    p.endsWith("[]")
      ? `${p.slice(0, -2).replace(/\./g, "\\.")}\\[\\d+\\]`
      : p.replace(/\./g, "\\."),
  );
  return `^(?:${alternatives.join("|") || "(?!)"})$`;
}

function nodeSchema<const Op extends IrOp, S extends TSchema>(op: Op, settings: S, doc: string) {
  return Obj(
    {
      /** Unique in the graph, stable across compiles: `sft/split`, `qlora/quantize`. */
      id: Type.String({ minLength: 1 }),
      op: Type.Literal(op),
      /** The `.pipe` stage this node comes from (an export names the stage it writes). */
      stage: Str,
      settings,
      inputs: Type.Array(
        Obj({
          port: Type.String({ pattern: portPattern(OP_PORTS[op]) }),
          node: Str,
          output: Opt(Str),
        }),
      ),
      /** Named outputs (`train`, `val`, `names`, `tokenizer`); the node itself is the default. */
      outputs: Type.Array(Str),
      /** Files the node reads, as they were at compile time (size and mtime, or missing). */
      files: Type.Array(Type.Ref(FileFingerprint)),
      /** sha256 over op, settings, the inputs' hashes and the file fingerprints. */
      hash: SHA256,
      /** Where the runtime caches this node's result: `<op>-<first 16 hex of hash>`. */
      cacheKey: Type.String({ pattern: "^[a-z-]+-[0-9a-f]{16}$" }),
      annotations: Type.Ref(Annotations),
    },
    doc,
  );
}

export const GenerateDataNode = nodeSchema(
  "generate-data",
  GenerateDataSettings,
  "create a dataset file with a generator shipped with Pipewright (when it is missing)",
);
export const LoadDatasetNode = nodeSchema(
  "load-dataset",
  LoadDatasetSettings,
  "read records (JSONL/JSON/CSV/text) or a YOLO/VOC detection dataset",
);
export const CleanNode = nodeSchema(
  "clean",
  CleanSettings,
  "normalise, filter, de-duplicate, score, augment; count every dropped row by reason",
);
export const SplitNode = nodeSchema("split", SplitSettings, "seeded, leakage-free splits");
export const TokenizeNode = nodeSchema(
  "tokenize",
  TokenizeSettings,
  "render the prompt template and tokenize, truncating to max_length",
);
export const TrainTokenizerNode = nodeSchema(
  "train-tokenizer",
  TrainTokenizerSettings,
  "learn a BPE or character tokenizer from text",
);
export const LoadModelNode = nodeSchema(
  "load-model",
  LoadModelSettings,
  "load a Hugging Face-style model directory (config.json, safetensors, tokenizer.json)",
);
export const InitModelNode = nodeSchema(
  "init-model",
  InitModelSettings,
  "create a model declared inline, randomly initialised (or from initial weights)",
);
export const QuantizeNode = nodeSchema(
  "quantize",
  QuantizeSettings,
  "store the frozen base weights in 4-bit NF4 (block absmax, optional double quantisation)",
);
export const AttachAdapterNode = nodeSchema(
  "attach-adapter",
  AttachAdapterSettings,
  "attach a PEFT adapter (LoRA, IA3, prompt/prefix tuning, bottleneck) to a frozen model",
);
export const TrainNode = nodeSchema(
  "train",
  TrainSettings,
  "supervised fine-tuning or pre-training",
);
export const DistillNode = nodeSchema(
  "distill",
  DistillSettings,
  "logit distillation from a frozen teacher into a student",
);
export const TeacherGenerateNode = nodeSchema(
  "teacher-generate",
  TeacherGenerateSettings,
  "the teacher answers the prompts; its answers become SFT records",
);
export const GenerateNode = nodeSchema("generate", GenerateSettings, "decode from a model");
export const EvaluateNode = nodeSchema(
  "evaluate",
  EvaluateSettings,
  "compute metrics; `require` gates fail the run",
);
export const DetectTrainNode = nodeSchema(
  "detect-train",
  DetectTrainSettings,
  "train a detector on YOLO data",
);
export const DetectNode = nodeSchema(
  "detect",
  DetectSettings,
  "run a detector: decode boxes, confidence threshold, NMS",
);
export const InspectNode = nodeSchema(
  "inspect",
  InspectSettings,
  "turn detections into PASS / WARNING / FAIL verdicts with reports and annotated images",
);
export const ExportNode = nodeSchema("export", ExportSettings, "write a result to disk");

export const IrNode = Tagged("op", [
  GenerateDataNode,
  LoadDatasetNode,
  CleanNode,
  SplitNode,
  TokenizeNode,
  TrainTokenizerNode,
  LoadModelNode,
  InitModelNode,
  QuantizeNode,
  AttachAdapterNode,
  TrainNode,
  DistillNode,
  TeacherGenerateNode,
  GenerateNode,
  EvaluateNode,
  DetectTrainNode,
  DetectNode,
  InspectNode,
  ExportNode,
]);

export const IrEdge = Obj({
  from: Str,
  to: Str,
  port: Str,
  /** The named output of `from` that flows (absent: its default output). */
  output: Opt(Str),
});

export const IrExport = Obj({
  /** The export node. */
  node: Str,
  /** What is exported, as written: `run`, `sft.train`. */
  target: Str,
  destination: Str,
});

export const EliminatedStage = Obj({
  stage: Str,
  /** Nodes of this stage that were removed. */
  nodes: Type.Array(Str),
  /** True when the stage lost every node (it will not run at all). */
  whole: Type.Boolean(),
  reason: Str,
});

export const StageInfo = Obj({
  name: Str,
  kind: Enum(...STAGE_KINDS),
  /** The stage's source: `alpaca`, `lora`, `sft`, `eval`… */
  source: Str,
});

export const PipelineIr = Type.Object(
  {
    irVersion: Type.Literal(IR_VERSION),
    pipeline: Obj({ name: Str, file: Str, settings: PipelineSettings }),
    /** In execution order: every node comes after the nodes it reads. */
    nodes: Type.Array(IrNode),
    edges: Type.Array(IrEdge),
    exports: Type.Array(IrExport),
    metadata: Obj({
      compiler: Str,
      /** Passes that ran, in order. */
      passes: Type.Array(Str),
      /** Every stage of the file in declaration order, including eliminated ones. */
      stages: Type.Array(StageInfo),
      eliminated: Type.Array(EliminatedStage),
    }),
  },
  {
    $id: IR_SCHEMA_ID,
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "Pipewright execution-graph IR",
    additionalProperties: false,
    $defs: { Operand, Condition, Annotations, FileFingerprint, Optimizer, Schedule },
  },
);

export type PipelineIr = Static<typeof PipelineIr>;
export type IrNode = Static<typeof IrNode>;
export type IrEdge = Static<typeof IrEdge>;
export type IrExport = Static<typeof IrExport>;
export type EliminatedStage = Static<typeof EliminatedStage>;
export type StageInfo = Static<typeof StageInfo>;
export type IrNodeOf<Op extends IrOp> = Extract<IrNode, { op: Op }>;

/** The JSON Schema as plain JSON (no TypeBox symbols): what schema.json holds. */
export function irJsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(PipelineIr)) as Record<string, unknown>;
}

/** The text of compiler/ir/schema.json (scripts/write-ir-schema.ts writes it). */
export function irJsonSchemaText(): string {
  return compactJson(irJsonSchema(), "") + "\n";
}

/** JSON with a value on one line when it fits in 100 columns, expanded otherwise. */
function compactJson(value: unknown, indent: string): string {
  const flat = JSON.stringify(value);
  if (flat.length + indent.length <= 100 || value === null || typeof value !== "object")
    return flat;
  const inner = indent + "  ";
  const items = Array.isArray(value)
    ? value.map((v) => inner + compactJson(v, inner))
    : Object.entries(value).map(
        ([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`,
      );
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${items.join(",\n")}\n${indent}${close}`;
}
