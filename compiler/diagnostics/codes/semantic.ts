import type { DiagnosticEntry } from "./entry.js";

/** PW2xxx — names, references, types, units and settings. */
export const SEMANTIC_CODES = [
  {
    code: "PW2001",
    name: "duplicate-stage",
    severity: "error",
    summary: "Two stages have the same name.",
  },
  {
    code: "PW2002",
    name: "unknown-reference",
    severity: "error",
    summary: "A reference names no stage.",
  },
  {
    code: "PW2003",
    name: "dependency-cycle",
    severity: "error",
    summary: "Stages depend on each other in a cycle.",
  },
  {
    code: "PW2004",
    name: "wrong-reference-type",
    severity: "error",
    summary:
      "A reference names a stage of the wrong kind for this place (a dataset where a model is needed).",
  },
  {
    code: "PW2005",
    name: "unknown-output",
    severity: "error",
    summary: "A dotted reference names an output the stage does not have (`sft.tran`).",
  },
  {
    code: "PW2006",
    name: "duplicate-pipeline",
    severity: "error",
    summary: "More than one `pipeline` block in a file.",
  },
  {
    code: "PW2010",
    name: "unknown-setting",
    severity: "error",
    summary: "A setting this block does not accept.",
  },
  {
    code: "PW2011",
    name: "wrong-type",
    severity: "error",
    summary: "A value of the wrong type (a string where a number is needed).",
  },
  {
    code: "PW2012",
    name: "wrong-unit",
    severity: "error",
    summary: "A unit of the wrong kind, a unit where none is allowed, or a missing unit.",
  },
  {
    code: "PW2013",
    name: "out-of-range",
    severity: "error",
    summary: "A number outside the allowed range (rank ≥ 1, 0 ≤ dropout < 1, temperature > 0).",
  },
  {
    code: "PW2014",
    name: "missing-setting",
    severity: "error",
    summary: "A required setting or argument is missing.",
  },
  {
    code: "PW2015",
    name: "duplicate-setting",
    severity: "error",
    summary: "A setting is given twice in one block.",
  },
  {
    code: "PW2016",
    name: "conflicting-settings",
    severity: "error",
    summary: "Two settings that exclude each other are both given (`warmup` and `warmup_ratio`).",
  },
  {
    code: "PW2017",
    name: "unknown-source",
    severity: "error",
    summary: "A stage source (`alpaca`, `lora`, `sft`, …) that does not exist for this stage kind.",
  },
  {
    code: "PW2018",
    name: "wrong-arguments",
    severity: "error",
    summary: "Too many, unknown or repeated arguments in a stage source call.",
  },
  {
    code: "PW2019",
    name: "unknown-value",
    severity: "error",
    summary: "A name that is not one of the allowed values (`nf5` for `quantize_base`).",
  },
  {
    code: "PW2020",
    name: "bad-split",
    severity: "error",
    summary: "Split sizes that do not sum to 100%, mix fractions and counts, or are empty.",
  },
  {
    code: "PW2021",
    name: "entry-not-allowed",
    severity: "error",
    summary: "A `require` or rule entry where this block does not take one.",
  },
  {
    code: "PW2022",
    name: "unknown-field",
    severity: "error",
    summary: "A record field the dataset format does not have (`outptu`).",
  },
  {
    code: "PW2023",
    name: "invalid-condition",
    severity: "error",
    summary: "A condition that is not a comparison, membership or combination of them.",
  },
  {
    code: "PW2024",
    name: "unknown-metric",
    severity: "error",
    summary: "A gate on a metric that does not exist or is not computed by the stage.",
  },
  {
    code: "PW2025",
    name: "unknown-outcome",
    severity: "error",
    summary: "A verdict rule or recommendation for an outcome other than PASS, WARNING, FAIL.",
  },
  {
    code: "PW2026",
    name: "source-form",
    severity: "error",
    summary: "A source written inline that needs arguments, or with arguments that must be inline.",
  },
  {
    code: "PW2027",
    name: "export-format-mismatch",
    severity: "error",
    summary: "An export format that does not apply to what the stage produces.",
  },
  {
    code: "PW2028",
    name: "unknown-lint",
    severity: "error",
    summary: "A lint name that does not exist.",
  },
  {
    code: "PW2029",
    name: "too-few-items",
    severity: "error",
    summary: "A list with fewer items than required (an empty `targets`).",
  },
  {
    code: "PW2030",
    name: "no-stop-condition",
    severity: "error",
    summary: "A training stage with neither `epochs` nor `max_steps`.",
  },
] as const satisfies readonly DiagnosticEntry[];
