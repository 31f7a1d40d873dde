/**
 * Prompt templates against the dataset format and the model: a `"""…"""` template's
 * `{placeholders}` must be fields of the format (did-you-mean otherwise), and `template: chat`
 * needs a chat template in the tokenizer_config.json of the model that trains on the data.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { WORLD } from "../diagnostics/codes/world.js";
import { RECORD_FIELDS } from "../semantic/analyze.js";
import type { AnalyzedStage } from "../semantic/analyze.js";
import { suggestSimilar } from "../world/did-you-mean.js";
import { findEntry, settingSpan, spanInString } from "./ast-spans.js";
import { diagnostic, displayPath, type WorldContext } from "./context.js";
import { baseModelOf, consumersOf, settingValue } from "./lineage.js";
import type { ResolvedModel } from "./models.js";

export const BUILTIN_TEMPLATES = ["alpaca_zh", "alpaca_en", "chat", "none"];

const PLACEHOLDER = /\{(\w+)\}/g;

/** Whether a template text is Jinja (`{{ … }}`, `{% … %}`) rather than `{field}` placeholders. */
export function isJinja(template: string): boolean {
  return /\{\{|\{%/.test(template);
}

/** Placeholders of a `{field}` template, in order, without duplicates. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

function checkPlaceholders(ctx: WorldContext, stage: AnalyzedStage, template: string): void {
  const fields = RECORD_FIELDS[stage.source] ?? [];
  const entry = findEntry(stage.node.body, "template");
  const literal = entry?.kind === "Property" ? entry.value : undefined;
  const fallback = settingSpan(stage, "template");
  for (const name of placeholders(template)) {
    if (fields.includes(name)) continue;
    const close = suggestSimilar(name, fields, 1);
    ctx.report(
      diagnostic(
        WORLD.templatePlaceholderUnknown,
        "error",
        spanInString(literal, `{${name}}`, fallback),
        `the template uses {${name}}, which is not a field of ${stage.source} rows`,
        `${close.length ? `did you mean {${close[0]}}? ` : ""}${stage.source} fields: ${fields.map((f) => `{${f}}`).join(", ")}`,
      ),
    );
  }
}

/** Does a model directory carry a chat template (tokenizer_config.json or chat_template.jinja)? */
function hasChatTemplate(dir: string): boolean | undefined {
  if (fs.existsSync(path.join(dir, "chat_template.jinja"))) return true;
  const file = path.join(dir, "tokenizer_config.json");
  if (!fs.existsSync(file)) return false;
  try {
    const cfg = JSON.parse(fs.readFileSync(file, "utf8")) as { chat_template?: unknown };
    return typeof cfg.chat_template === "string" || Array.isArray(cfg.chat_template);
  } catch {
    return undefined; // malformed: reported by the tokenizer checks
  }
}

function checkChatTemplate(
  ctx: WorldContext,
  stage: AnalyzedStage,
  models: ReadonlyMap<string, ResolvedModel>,
): void {
  for (const consumer of consumersOf(ctx.pipeline, stage.name)) {
    const base = baseModelOf(ctx.pipeline, consumer.name);
    const model = base ? models.get(base.name) : undefined;
    if (!model?.dir || !model.inspection?.arch) continue;
    if (hasChatTemplate(model.dir) !== false) continue;
    ctx.report(
      diagnostic(
        WORLD.templateChatUnavailable,
        "error",
        settingSpan(stage, "template"),
        `\`template: chat\` renders with the model's chat template, but ${displayPath(ctx, model.dir)} (used by \`${consumer.name}\`) has none`,
        "add `chat_template` to its tokenizer_config.json, give a template in the pipeline, or use `alpaca_zh` / `alpaca_en`",
      ),
    );
    return;
  }
}

export function checkTemplates(
  ctx: WorldContext,
  models: ReadonlyMap<string, ResolvedModel>,
): void {
  for (const stage of ctx.pipeline.stages.values()) {
    if (stage.kind !== "dataset") continue;
    const template = settingValue(stage, "template");
    if (typeof template !== "string" || template === "none") continue;
    if (template === "chat") checkChatTemplate(ctx, stage, models);
    else if (!BUILTIN_TEMPLATES.includes(template) && !isJinja(template)) {
      checkPlaceholders(ctx, stage, template);
    }
  }
}
