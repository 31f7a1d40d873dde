/**
 * Exports of language models: the adapter in PEFT's layout (`adapter_config.json` +
 * `adapter_model.safetensors`), merged weights `W + (α/r)·B·A` as a Hugging Face directory, or
 * a model without adapter as a Hugging Face directory; and evaluation results as JSON. Written
 * into a temporary folder and renamed into place: a failed export leaves no half directory.
 */
import { dirname, join } from "node:path";
import type { IrNode, IrNodeOf } from "../../../compiler/ir/schema.js";
import { isLlmModel } from "../llm/model-value.js";
import { filesCodec, writeDirAtomically, writeFilesAtomically } from "./export.js";
import { writeJson } from "../dataset-value.js";
import type { Handler } from "../types.js";

const MODEL_EXPORTS = new Set(["model", "adapter", "trained-model"]);

export const isModelExport = (n: IrNode) =>
  MODEL_EXPORTS.has((n as IrNodeOf<"export">).settings.what);

const modelExport: Handler = {
  op: "export",
  group: "llm",
  accepts: isModelExport,
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"export">;
    const s = node.settings;
    if (s.what === "cleaned-splits") throw new Error("not a model export");
    const value = await ctx.input<unknown>("target");
    if (!isLlmModel(value)) throw new Error(`${node.id}: the target is not a language model`);
    const dest = ctx.paths.destination(s.destination);
    const backend = await ctx.backend();
    const model = await value.make(backend);
    const llm = await import("../../llm/index.js");
    const hasAdapter = model.adapterConfigs.length > 0;
    const tokenizerDir = value.tokenizer?.dir;
    let what: string;
    try {
      const files = await writeDirAtomically(dest, async (dir) => {
        if (hasAdapter && !s.merged && (s.format === "peft" || s.format === "safetensors")) {
          await llm.exportPeftAdapter(model, dir, {
            baseModelNameOrPath: value.base,
            dtype: s.dtype,
          });
          what = `${model.adapterConfigs[0].kind} adapter (PEFT layout)`;
        } else if (hasAdapter) {
          await llm.saveMerged(model, dir, {
            dtype: s.dtype,
            ...(tokenizerDir ? { tokenizerDir } : {}),
          });
          what = `merged weights (${s.dtype})`;
        } else {
          await llm.saveLlama(model, dir, {
            dtype: s.dtype,
            ...(tokenizerDir ? { tokenizerDir } : {}),
          });
          what = `model weights (${s.dtype})`;
          if (s.format === "peft")
            ctx.warn(`\`${value.stage}\` has no adapter: exported the whole model instead`);
        }
      });
      return {
        value: { kind: "files", files },
        files,
        notes: [`${what!} → ${ctx.paths.display(dest)} (${files.length} files)`],
      };
    } finally {
      model.dispose();
    }
  },
};

const evaluationExport: Handler = {
  op: "export",
  group: "llm",
  accepts: (n) => (n as IrNodeOf<"export">).settings.what === "evaluation",
  cache: filesCodec,
  async run(ctx) {
    const node = ctx.node as IrNodeOf<"export">;
    const dest = ctx.paths.destination(node.settings.destination);
    const value = await ctx.input<unknown>("target");
    const file = dest.endsWith(".json") ? dest : join(dest, "eval.json");
    const name = file.slice(dirname(file).length + 1);
    const files = await writeFilesAtomically(dirname(file), async (tmp) => {
      await writeJson(join(tmp, name), value);
      return [name];
    });
    return {
      value: { kind: "files", files },
      files,
      notes: [`evaluation → ${ctx.paths.display(file)}`],
    };
  },
};

export function llmExportHandlers(): Handler[] {
  return [modelExport, evaluationExport];
}
