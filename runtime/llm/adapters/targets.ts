/**
 * Resolves adapter `targets` to the model's Linear modules with the compiler's matcher
 * (compiler/world/targets.ts: PEFT semantics — suffix names, regexes, globs, `all-linear`), so
 * the runtime adapts exactly the modules `pipe check` and the memory estimate counted.
 */
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { linearModules } from "../../../compiler/world/llama-config.js";
import { matchTargets } from "../../../compiler/world/targets.js";
import type { LlamaModel } from "../model.js";
import type { Linear } from "../linear.js";

export function resolveTargets(
  model: LlamaModel,
  targets: readonly string[],
  options: { layers?: readonly number[]; adapter?: string } = {},
): Linear[] {
  if (targets.length === 0) throw new Error(`${options.adapter ?? "adapter"}: no targets`);
  const result = matchTargets(linearModules(model.arch), targets, {
    ...(options.layers ? { layers: options.layers } : {}),
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  const error = result.issues.find((i) => i.severity === "error");
  if (error) throw new PipeError(error.code, error.message, {}, error.hint);
  const byName = new Map(model.linears().map((l) => [l.name, l]));
  return result.modules.map((m) => {
    const lin = byName.get(m.name);
    if (!lin) throw new Error(`internal: module ${m.name} is not in the model`);
    return lin;
  });
}

/** Attaching an adapter freezes the base weights (PEFT's behaviour). */
export function freezeBase(model: LlamaModel): void {
  model.setBaseTrainable(false);
}
