/**
 * Short human descriptions of IR nodes and conditions, shared by the graph printers
 * (Graphviz, Mermaid) and `pipe explain`.
 */
import type { Json } from "../settings/spec.js";
import type { IrNode, PipelineIr } from "./schema.js";
import { isObject } from "./settings-tree.js";
import { groupThousands } from "../text/format-number.js";

/** `2e-4`, `0.05`, `4,000`: numbers as people write them. */
export function formatNumber(n: number): string {
  if (n !== 0 && Math.abs(n) < 1e-3) return n.toExponential();
  if (Number.isInteger(n) && Math.abs(n) >= 10_000) return groupThousands(n);
  return String(n);
}

export function percent(fraction: number): string {
  return `${+(fraction * 100).toFixed(4)}%`;
}

/** A condition as it would be written in a `.pipe` file: `output.length in 1..200`. */
export function conditionText(c: Json): string {
  if (typeof c === "boolean") return String(c);
  if (!isObject(c)) return operandText(c);
  if (typeof c.call === "string") return operandText(c);
  switch (c.op) {
    case "and":
    case "or": {
      const args = (c.args as Json[]).map((a) => {
        const t = conditionText(a);
        return isObject(a) && (a.op === "and" || a.op === "or") && a.op !== c.op ? `(${t})` : t;
      });
      return args.join(` ${c.op} `);
    }
    case "not":
      return `not ${conditionText(c.arg)}`;
    case "present":
      return operandText(c.arg);
    default:
      return `${operandText(c.left)} ${String(c.op)} ${operandText(c.right)}`;
  }
}

function operandText(o: Json): string {
  if (typeof o === "number") return formatNumber(o);
  if (typeof o === "string") return o;
  if (typeof o === "boolean" || o === null) return String(o);
  if (Array.isArray(o)) return `[${o.map(operandText).join(", ")}]`;
  if (Array.isArray(o.range)) return `${operandText(o.range[0])}..${operandText(o.range[1])}`;
  if (typeof o.metric === "string") return o.metric;
  if (typeof o.field === "string") return o.property ? `${o.field}.${String(o.property)}` : o.field;
  if (typeof o.name === "string") return o.name;
  if (typeof o.call === "string")
    return `${o.call}(${((o.args as Json[]) ?? []).map(operandText).join(", ")})`;
  return JSON.stringify(o);
}

function plural(n: number, word: string): string {
  return `${formatNumber(n)} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
}

function trainingLength(s: Record<string, Json>): string {
  const parts: string[] = [];
  if (typeof s.epochs === "number") parts.push(plural(s.epochs, "epoch"));
  if (typeof s.max_steps === "number") parts.push(`≤ ${plural(s.max_steps, "step")}`);
  return parts.join(", ");
}

/** One line about what a node does: `lora r=16 α=32 · 7 targets`. */
export function describeNode(node: IrNode): string {
  const s = node.settings as Record<string, Json>;
  const join = (...parts: (string | undefined | false)[]) => parts.filter(Boolean).join(" · ");
  switch (node.op) {
    case "generate-data":
      return join(
        String(s.generator),
        typeof s.rows === "number" && plural(s.rows, "row"),
        typeof s.train === "number" && `${s.train}+${s.val} images`,
      );
    case "load-dataset":
      return join(String(s.format), String(s.path));
    case "clean": {
      const steps = (s.steps as string[]) ?? [];
      return steps.length ? [...new Set(steps)].join(", ") : "no rules";
    }
    case "split":
      return ((s.parts as Record<string, Json>[]) ?? [])
        .map(
          (p) =>
            `${p.name} ${typeof p.fraction === "number" ? percent(p.fraction) : `${p.rows} rows`}`,
        )
        .join(" · ");
    case "tokenize":
      return join(
        node.id.split("/")[0],
        typeof s.template === "string" && s.template.length <= 16
          ? s.template
          : s.template
            ? "custom template"
            : String(s.format),
        `max ${s.max_length} tokens`,
        s.packing === true && "packed",
      );
    case "train-tokenizer":
      return join(String(s.kind), typeof s.vocab_size === "number" && `vocab ${s.vocab_size}`);
    case "load-model":
      return join(String(s.architecture), String(s.path), String(s.dtype));
    case "init-model": {
      if (s.architecture === "yolo_detector")
        return join("yolo_detector", `${s.imgsz}px`, `width ${s.width}`);
      const c = (s.config ?? {}) as Record<string, Json>;
      return join(
        "llama",
        typeof c.num_hidden_layers === "number" &&
          `${plural(c.num_hidden_layers, "layer")} × ${c.hidden_size}`,
        String(s.dtype),
      );
    }
    case "quantize":
      return join("NF4", `block ${s.block}`, s.double_quant === true && "double quant");
    case "attach-adapter":
      if (s.method === "lora") {
        return join(
          `lora r=${s.rank} α=${s.alpha}`,
          plural((s.targets as Json[]).length, "target"),
        );
      }
      return String(s.method);
    case "train":
      return join(
        String(s.mode),
        trainingLength(s),
        `batch ${s.batch}${s.grad_accum !== 1 ? `×${s.grad_accum}` : ""}`,
      );
    case "distill":
      return join(`T=${s.temperature} α=${s.alpha}`, trainingLength(s));
    case "teacher-generate":
      return join(
        `≤ ${s.max_new_tokens} new tokens`,
        s.temperature === 0 ? "greedy" : `T=${s.temperature}`,
      );
    case "generate":
      return join(
        Array.isArray(s.prompts) ? plural(s.prompts.length, "prompt") : "prompts from data",
        s.temperature === 0 ? "greedy" : `T=${s.temperature}`,
      );
    case "evaluate": {
      const gates = (s.require as Json[]) ?? [];
      return join(
        (s.metrics as string[]).join(", "),
        gates.length > 0 && `gate: ${gates.map(conditionText).join("; ")}`,
      );
    }
    case "detect-train":
      return join(plural(s.epochs as number, "epoch"), `${s.imgsz}px`, `batch ${s.batch}`);
    case "detect":
      return join(`conf ${s.conf}`, `iou ${s.iou}`, `≤ ${s.max_det} boxes`);
    case "inspect":
      return join(
        plural(Object.keys(s.severity as object).length, "class"),
        plural((s.verdict as Json[]).length, "verdict rule"),
      );
    case "export":
      return join(String(s.format), s.merged === true && "merged", `→ ${s.destination}`);
  }
}

/** Kind and name of the stage a node comes from (`train run`), from the IR's metadata. */
export function stageTitle(ir: PipelineIr, stage: string): string {
  const info = ir.metadata.stages.find((s) => s.name === stage);
  return info ? `${info.kind} ${stage}` : stage;
}

export function fusionsText(node: IrNode): string | undefined {
  const kinds = node.annotations.fusions.map((f) => f.kind);
  return kinds.length ? `fused: ${kinds.join(" + ")}` : undefined;
}
