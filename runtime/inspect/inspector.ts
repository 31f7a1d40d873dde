/**
 * Quality inspection of one image (seed 5.2 `AIQualityInspector.inspect`): detections become
 * defects with a severity, the verdict rules give PASS / WARNING / FAIL, the verdict's
 * recommendation is attached, and the optional VLM stage adds (or skips) an analysis. Pure
 * apart from the VLM hook; drawing and files live in annotate.ts and run-inspection.ts.
 */
import type { Detection } from "../detection/infer/postprocess.js";
import { severityOf, type Severity, type SeverityMap } from "./severity.js";
import {
  compileVerdictRules,
  DEFAULT_RECOMMENDATIONS,
  DEFAULT_VERDICT_RULES,
  type CompiledRules,
  type JudgedDefect,
  type Outcome,
  type VerdictRule,
} from "./verdict-rules.js";
import {
  createVlmStage,
  type VlmAnalyzer,
  type VlmResult,
  type VlmSetting,
  type VlmStage,
} from "./vlm-hook.js";

export interface InspectionPolicy {
  names: readonly string[];
  severity: SeverityMap;
  rules: CompiledRules;
  recommendations: Readonly<Record<Outcome, string>>;
  vlm: VlmStage;
}

export interface InspectionPolicyInput {
  names: readonly string[];
  severity: SeverityMap;
  rules?: readonly VerdictRule[];
  recommendations?: Partial<Record<Outcome, string>>;
  vlm?: VlmSetting;
  vlmAnalyzer?: VlmAnalyzer;
}

/** Check and assemble a policy (rules are validated here, before any image). */
export function createInspectionPolicy(p: InspectionPolicyInput): InspectionPolicy {
  return {
    names: p.names,
    severity: p.severity,
    rules: compileVerdictRules(p.rules ?? DEFAULT_VERDICT_RULES, p.names),
    recommendations: { ...DEFAULT_RECOMMENDATIONS, ...p.recommendations },
    vlm: createVlmStage(p.vlm ?? "off", p.vlmAnalyzer),
  };
}

export interface InspectedDefect {
  class: string;
  classId: number;
  confidence: number;
  /** xyxy in original-image pixels. */
  bbox: [number, number, number, number];
  severity: Severity;
}

export interface ImageInspection {
  image: string;
  width: number;
  height: number;
  verdict: Outcome;
  /** 1-based index of the rule that decided, or null when none matched (WARNING). */
  rule: number | null;
  recommendation: string;
  defect_count: number;
  defects: InspectedDefect[];
  vlm_analysis: VlmResult;
}

export function judgeDefects(
  detections: readonly Detection[],
  policy: Pick<InspectionPolicy, "names" | "severity">,
): InspectedDefect[] {
  return detections.map((d) => {
    const name = policy.names[d.cls] ?? String(d.cls);
    return {
      class: name,
      classId: d.cls,
      confidence: Math.round(d.conf * 1e4) / 1e4,
      bbox: d.box.map((v) => Math.round(v * 100) / 100) as [number, number, number, number],
      severity: severityOf(policy.severity, name),
    };
  });
}

export async function inspectDetections(
  imagePath: string,
  size: { width: number; height: number },
  detections: readonly Detection[],
  policy: InspectionPolicy,
): Promise<ImageInspection> {
  const defects = judgeDefects(detections, policy);
  const judged: JudgedDefect[] = defects.map((d) => ({
    className: d.class,
    severity: d.severity,
    confidence: d.confidence,
  }));
  const { outcome, rule } = policy.rules.judge(judged);
  return {
    image: imagePath,
    width: size.width,
    height: size.height,
    verdict: outcome,
    rule: rule >= 0 ? rule + 1 : null,
    recommendation: policy.recommendations[outcome],
    defect_count: defects.length,
    defects,
    vlm_analysis: await policy.vlm.run(imagePath, judged),
  };
}
