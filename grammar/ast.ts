/**
 * The typed AST of a `.pipe` file. Every node carries the span of source it came from.
 * Nodes that the parser had to invent while recovering from a syntax error are marked
 * `recovered: true`; later phases skip checks that would only repeat the syntax error.
 */
import type { Span } from "../compiler/diagnostics/diagnostic.js";

export type { Span };

interface NodeBase {
  span: Span;
  recovered?: true;
}

export interface Identifier extends NodeBase {
  kind: "Identifier";
  name: string;
}

export interface Comment {
  kind: "Comment";
  /** Raw text including the `//` or `/* ... *\/` markers. */
  text: string;
  block: boolean;
  span: Span;
}

export interface PipeFile extends NodeBase {
  kind: "File";
  items: Item[];
  comments: Comment[];
}

export type Item = PipelineDecl | StageDecl | ExportDecl;

/** `pipeline "name" { settings }` */
export interface PipelineDecl extends NodeBase {
  kind: "Pipeline";
  name: StringLiteral;
  body: Block;
}

/** The stage keywords; see docs/language.md. */
export const STAGE_KINDS = [
  "dataset",
  "model",
  "adapter",
  "train",
  "distill",
  "evaluate",
  "generate",
  "detect",
  "inspect",
] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

/** `dataset sft = alpaca("data.jsonl") { ... }` */
export interface StageDecl extends NodeBase {
  kind: "Stage";
  stageKind: StageKind;
  /** Span of the stage keyword. */
  keywordSpan: Span;
  name: Identifier;
  /** What builds the stage: `alpaca("x.jsonl")`, `lora(base)`, `llama` (inline). */
  source: Reference | Call;
  body?: Block;
}

/** `export run to "out/adapter" { merged: true }` */
export interface ExportDecl extends NodeBase {
  kind: "Export";
  target: Reference;
  destination: StringLiteral;
  body?: Block;
}

export interface Block extends NodeBase {
  kind: "Block";
  entries: Entry[];
}

export type Entry = Property | SubBlock | Requirement | Rule;

/** `rank: 16` */
export interface Property extends NodeBase {
  kind: "Property";
  key: Identifier;
  value: Expression;
}

/** `clean { ... }` */
export interface SubBlock extends NodeBase {
  kind: "SubBlock";
  name: Identifier;
  body: Block;
}

/** `require rouge1 >= 0.3` — a gate or a data rule. */
export interface Requirement extends NodeBase {
  kind: "Requirement";
  condition: Expression;
}

/** `FAIL when any(high)` or `PASS otherwise`. `condition` is absent for `otherwise`. */
export interface Rule extends NodeBase {
  kind: "Rule";
  outcome: Identifier;
  condition?: Expression;
}

export type Expression =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | ListExpression
  | MapExpression
  | RangeExpression
  | Reference
  | Call
  | BinaryExpression
  | NotExpression;

/** `42`, `2e-4`, `8GB`, `90%`, `30min`: value and optional unit suffix. */
export interface NumberLiteral extends NodeBase {
  kind: "Number";
  value: number;
  /** Unit suffix as written (`GB`, `%`, `min`), if any. */
  unit?: string;
  raw: string;
}

export interface StringLiteral extends NodeBase {
  kind: "String";
  /** The decoded value (escapes resolved, triple-quoted strings dedented). */
  value: string;
  raw: string;
  multiline: boolean;
}

export interface BooleanLiteral extends NodeBase {
  kind: "Boolean";
  value: boolean;
}

export interface ListExpression extends NodeBase {
  kind: "List";
  items: Expression[];
}

/** `{ train: 90%, val: 10% }` in value position. */
export interface MapExpression extends NodeBase {
  kind: "Map";
  body: Block;
}

/** `10..10000` */
export interface RangeExpression extends NodeBase {
  kind: "Range";
  from: Expression;
  to: Expression;
}

/** `sft.train`, `base`, `nf4` — a dotted name. */
export interface Reference extends NodeBase {
  kind: "Reference";
  parts: Identifier[];
}

/** `alpaca("data.jsonl")`, `adamw { lr: 2e-4 }`, `distill(teacher: run)`. */
export interface Call extends NodeBase {
  kind: "Call";
  callee: Reference;
  args: Argument[];
  /** True when written with parentheses (even empty). */
  parenthesized: boolean;
  body?: Block;
}

export interface Argument extends NodeBase {
  kind: "Argument";
  name?: Identifier;
  value: Expression;
}

export type BinaryOperator = ">=" | "<=" | ">" | "<" | "==" | "!=" | "in" | "and" | "or";

export interface BinaryExpression extends NodeBase {
  kind: "Binary";
  operator: BinaryOperator;
  left: Expression;
  right: Expression;
}

export interface NotExpression extends NodeBase {
  kind: "Not";
  operand: Expression;
}

export type AstNode = PipeFile | Item | Block | Entry | Expression | Argument | Identifier;

/** The dotted name of a reference: `sft.train`. */
export function referenceName(ref: Reference): string {
  return ref.parts.map((p) => p.name).join(".");
}
