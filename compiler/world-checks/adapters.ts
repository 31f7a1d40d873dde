/**
 * Adapter stages against their base model: every LoRA/IA3 target must match modules that exist
 * (per target and per layer: some layers only → warning, none → error with did-you-mean), and
 * a LoRA rank must fit every targeted matrix (r ≤ min(d, k)).
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { checkRank, matchTargets } from "../world/targets.js";
import { listItemSpans, settingSpan } from "./ast-spans.js";
import { describeModel, type ResolvedModel } from "./models.js";
import { fromIssue, type WorldContext } from "./context.js";
import { baseModelOf, settingValue } from "./lineage.js";

export function checkAdapters(ctx: WorldContext, models: ReadonlyMap<string, ResolvedModel>): void {
  for (const stage of ctx.pipeline.stages.values()) {
    if (stage.kind !== "adapter" || (stage.source !== "lora" && stage.source !== "ia3")) continue;
    const baseStage = baseModelOf(ctx.pipeline, stage.name);
    const model = baseStage ? models.get(baseStage.name) : undefined;
    // No usable architecture: the model's own diagnostics already say why.
    if (!model?.arch || model.modules.length === 0) continue;
    const targets = settingValue(stage, "targets");
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === "string")) continue;
    const items = listItemSpans(stage, "targets");
    const listSpan = settingSpan(stage, "targets");
    const spanOf = (subject: string | undefined): Span =>
      (subject !== undefined ? items.get(subject) : undefined) ?? listSpan;
    const who = `${stage.source} \`${stage.name}\``;
    const match = matchTargets(model.modules, targets as string[], { adapter: who });
    const from =
      model.modulesFrom === "headers"
        ? "the safetensors headers"
        : model.modulesFrom === "config"
          ? "config.json"
          : "its settings";
    for (const issue of match.issues) {
      ctx.report(
        fromIssue(
          ctx,
          {
            ...issue,
            hint: `${issue.hint ? `${issue.hint}; ` : ""}modules of ${describeModel(ctx, model)} from ${from}`,
          },
          spanOf(issue.subject),
        ),
      );
    }
    if (stage.source === "lora") {
      const rank = settingValue(stage, "rank");
      if (typeof rank === "number") {
        for (const issue of checkRank(match.modules, rank, who).issues) {
          ctx.report(fromIssue(ctx, issue, settingSpan(stage, "rank")));
        }
      }
    }
  }
}
