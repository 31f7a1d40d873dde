/**
 * Shared state of lowering one analysed pipeline: the nodes made so far, what each stage's
 * references resolve to, and the helpers every stage kind uses (settings with defaults,
 * references → node inputs, tokenizer lookup, de-duplicated tokenize nodes).
 */
import type { AnalyzedPipeline, AnalyzedStage } from "../semantic/analyze.js";
import type { Json } from "../settings/spec.js";
import type { DraftInput, DraftNode, DraftRead } from "./draft.js";
import type { IrOp } from "./schema.js";
import { isObject, isStageRef, settingsTree, treeToJson } from "./settings-tree.js";

/** Where a reference to a stage (or one of its outputs) lands in the graph. */
export interface NodeRef {
  node: string;
  output?: string;
}

/** What lowering a stage produced, for the stages that refer to it. */
export interface LoweredStage {
  /** The node that stands for the stage as a whole. */
  main: NodeRef;
  /** Named outputs (`sft.train`, `parts.names`). */
  named: Record<string, NodeRef>;
  /** For models: the node that provides the tokenizer (when the model has its own). */
  tokenizer?: NodeRef;
}

export type StageLowerer = (ctx: LowerContext, stage: AnalyzedStage) => LoweredStage;

export class LowerContext {
  readonly nodes: DraftNode[] = [];
  private readonly byId = new Map<string, DraftNode>();
  private readonly lowered = new Map<string, LoweredStage>();
  private readonly inProgress = new Set<string>();
  private readonly tokenizeKeys = new Map<string, string>();
  /** The pipeline seed: every seed that defaults to it is filled with it. */
  readonly seed: number;

  constructor(
    readonly pipeline: AnalyzedPipeline,
    private readonly lowerStageFn: StageLowerer,
  ) {
    const seed = pipeline.settings.seed?.value;
    this.seed = typeof seed === "number" ? seed : 0;
  }

  stage(name: string): AnalyzedStage {
    const stage = this.pipeline.stages.get(name);
    if (!stage) throw new Error(`internal: lowering refers to unknown stage \`${name}\``);
    return stage;
  }

  /** Lowers a stage once (its dependencies first) and returns where it landed. */
  ensure(name: string): LoweredStage {
    const done = this.lowered.get(name);
    if (done) return done;
    if (this.inProgress.has(name)) {
      throw new Error(`internal: stage \`${name}\` depends on itself (cycles are check errors)`);
    }
    this.inProgress.add(name);
    const result = this.lowerStageFn(this, this.stage(name));
    this.inProgress.delete(name);
    this.lowered.set(name, result);
    return result;
  }

  /** `sft.train` → the node (and output) it stands for. */
  resolve(ref: string): NodeRef {
    const [stageName, output] = splitRef(ref);
    const lowered = this.ensure(stageName);
    if (output === undefined) return lowered.main;
    const named = lowered.named[output];
    if (!named) throw new Error(`internal: \`${stageName}\` has no lowered output \`${output}\``);
    return named;
  }

  /** Adds a node; ids are unique (a clash gets `#2`, `#3`…). */
  addNode(node: {
    id: string;
    op: IrOp;
    stage: string;
    settings: Record<string, Json>;
    inputs?: DraftInput[];
    outputs?: string[];
    reads?: DraftRead[];
  }): DraftNode {
    let id = node.id;
    for (let i = 2; this.byId.has(id); i++) id = `${node.id}#${i}`;
    const draft: DraftNode = {
      id,
      op: node.op,
      stage: node.stage,
      settings: node.settings,
      inputs: node.inputs ?? [],
      outputs: node.outputs ?? [],
      reads: node.reads ?? [],
      fusions: [],
    };
    this.nodes.push(draft);
    this.byId.set(id, draft);
    return draft;
  }

  node(id: string): DraftNode | undefined {
    return this.byId.get(id);
  }

  /** A stage's settings as JSON with every default filled (the same values explain shows). */
  settingsOf(stage: AnalyzedStage): Record<string, Json> {
    return treeToJson(settingsTree(stage.settings, stage.spec.body));
  }

  /**
   * Replaces every stage reference inside `value` by an input slot `{ $input: port }` (the
   * port is the path of keys, `quality.judge`) and adds the matching input to `inputs`.
   */
  slotReferences(value: Json, inputs: DraftInput[], path: string[] = []): Json {
    if (isStageRef(value)) {
      const port = path.join(".");
      inputs.push({ port, ...this.resolve(value.$ref) });
      return { $input: port };
    }
    if (Array.isArray(value)) return value.map((v) => this.slotReferences(v, inputs, path));
    if (isObject(value)) {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value))
        out[k] = this.slotReferences(v, inputs, [...path, k]);
      return out;
    }
    return value;
  }

  /**
   * The node that provides the tokenizer of a model-like stage: a loaded model directory, a
   * trained tokenizer, or (through adapters, training and `tokenizer: other`) another stage's.
   */
  tokenizerOf(stageName: string, seen = new Set<string>()): NodeRef | undefined {
    if (seen.has(stageName)) return undefined;
    seen.add(stageName);
    const stage = this.pipeline.stages.get(stageName);
    if (!stage) return undefined;
    const refStage = (v: Json | undefined) => (isStageRef(v) ? splitRef(v.$ref)[0] : undefined);
    switch (stage.source) {
      case "llama": {
        const tokenizer = stage.settings.tokenizer?.value;
        if (isStageRef(tokenizer)) return this.tokenizerOf(splitRef(tokenizer.$ref)[0], seen);
        return this.ensure(stageName).tokenizer;
      }
      case "sft":
      case "pretrain":
        return this.lookThrough(refStage(stage.args.model), seen);
      case "distill":
        return this.lookThrough(refStage(stage.args.student), seen);
      case "teacher_answers":
        return this.lookThrough(refStage(stage.settings.student?.value), seen);
      default:
        if (stage.kind === "adapter") return this.lookThrough(refStage(stage.args.base), seen);
        return undefined;
    }
  }

  private lookThrough(name: string | undefined, seen: Set<string>): NodeRef | undefined {
    return name === undefined ? undefined : this.tokenizerOf(name, seen);
  }

  /**
   * A tokenize node for `data` with `model`'s tokenizer. Identical requests (same data,
   * tokenizer and settings) share one node, so a split used by several stages is tokenized
   * once per tokenizer.
   */
  tokenized(options: {
    data: NodeRef;
    /** Name the node after this (`sft.train`, or the consumer for generated data). */
    label: string;
    /** The dataset stage whose format and tokenization settings apply. */
    dataset: AnalyzedStage;
    /** The model-like stage whose tokenizer is used. */
    model: string | undefined;
    overrides?: Record<string, Json>;
    stage?: string;
  }): NodeRef {
    const ds = this.settingsOf(options.dataset);
    const settings: Record<string, Json> = {
      format: options.dataset.source,
      ...(ds.template !== undefined ? { template: ds.template } : {}),
      max_length: ds.max_length ?? 512,
      train_on: ds.train_on ?? "answer",
      packing: ds.packing ?? false,
      ...options.overrides,
    };
    const tokenizer = options.model === undefined ? undefined : this.tokenizerOf(options.model);
    const inputs: DraftInput[] = [{ port: "data", ...options.data }];
    if (tokenizer) inputs.push({ port: "tokenizer", ...tokenizer });
    const key = JSON.stringify([settings, inputs]);
    const existing = this.tokenizeKeys.get(key);
    if (existing) return { node: existing };
    const owner = tokenizer ? tokenizer.node.split("/")[0] : "none";
    const node = this.addNode({
      id: `${options.label}/tokenize@${owner}`,
      op: "tokenize",
      stage: options.stage ?? options.dataset.name,
      settings,
      inputs,
    });
    this.tokenizeKeys.set(key, node.id);
    return { node: node.id };
  }

  /** The dataset stage behind a data reference (`sft.train` → `sft`), if it is one. */
  datasetBehind(ref: string): AnalyzedStage | undefined {
    const stage = this.pipeline.stages.get(splitRef(ref)[0]);
    return stage?.kind === "dataset" ? stage : undefined;
  }
}

export function splitRef(ref: string): [string, string | undefined] {
  const dot = ref.indexOf(".");
  return dot < 0 ? [ref, undefined] : [ref.slice(0, dot), ref.slice(dot + 1)];
}

export function refName(value: Json | undefined): string | undefined {
  return isStageRef(value) ? value.$ref : undefined;
}
