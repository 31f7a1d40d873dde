/**
 * The optional vision-language analysis stage (seed 5.2 `analyze_with_vlm`: YOLO finds the
 * defects, a VLM describes them). The language declares it (`vlm_analysis: off | { model,
 * prompt }`); the runtime has no vision-language model, so unless a caller plugs an analyser
 * in, every image reports the stage as skipped, with the reason.
 */
import { existsSync } from "node:fs";
import type { JudgedDefect } from "./verdict-rules.js";

export type VlmSetting = "off" | { model: string; prompt?: string };

export interface VlmResult {
  status: "done" | "skipped" | "failed";
  text?: string;
  reason?: string;
}

/** Something that can describe an image's defects (a hook for a future VLM runtime). */
export interface VlmAnalyzer {
  analyze(imagePath: string, defects: readonly JudgedDefect[], prompt: string): Promise<string>;
}

export const DEFAULT_VLM_PROMPT =
  "Describe each defect, its likely cause, its effect on quality, and whether to rework, downgrade or scrap the part.";

export interface VlmStage {
  setting: VlmSetting;
  /** Run for one image (only images with defects are analysed, as in the seed). */
  run(imagePath: string, defects: readonly JudgedDefect[]): Promise<VlmResult>;
}

export function createVlmStage(setting: VlmSetting = "off", analyzer?: VlmAnalyzer): VlmStage {
  const skip = (reason: string): VlmStage => ({
    setting,
    run: async () => ({ status: "skipped", reason }),
  });
  if (setting === "off") return skip("vlm_analysis is off");
  if (!analyzer) {
    const why = existsSync(setting.model)
      ? "no vision-language model runtime is available"
      : `model directory ${setting.model} not found`;
    return skip(`${why}; detections and verdicts are unaffected`);
  }
  const prompt = setting.prompt ?? DEFAULT_VLM_PROMPT;
  return {
    setting,
    async run(imagePath, defects) {
      if (defects.length === 0) return { status: "skipped", reason: "no defects to describe" };
      try {
        return { status: "done", text: await analyzer.analyze(imagePath, defects, prompt) };
      } catch (err) {
        return { status: "failed", reason: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
