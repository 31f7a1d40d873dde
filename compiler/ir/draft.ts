/**
 * The graph while the compiler builds it: nodes without hashes yet, the paths they will read,
 * and what the passes have found. `finalizeIr` (compile.ts) turns it into the IR.
 */
import type { Json } from "../settings/spec.js";
import type { Fusion } from "./schema-values.js";
import type { EliminatedStage, IrOp, StageInfo } from "./schema.js";

export interface DraftInput {
  port: string;
  node: string;
  output?: string;
}

/** A path a node reads; directories are fingerprinted by the files directly inside them. */
export interface DraftRead {
  path: string;
  directory?: boolean;
}

export interface DraftNode {
  id: string;
  op: IrOp;
  stage: string;
  settings: Record<string, Json>;
  inputs: DraftInput[];
  outputs: string[];
  reads: DraftRead[];
  fusions: Fusion[];
}

export interface DraftExport {
  node: string;
  target: string;
  destination: string;
}

export interface DraftGraph {
  name: string;
  file: string;
  pipelineSettings: Record<string, Json>;
  /** Stage names in declaration order (for reports). */
  stageOrder: string[];
  stages: StageInfo[];
  nodes: DraftNode[];
  exports: DraftExport[];
  eliminated: EliminatedStage[];
  passes: string[];
}
