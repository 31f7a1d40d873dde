/**
 * Severity per defect class (seed chapter 5: scratch → medium, crack → high, stain → low,
 * dent → high). A class missing from the map has severity "unknown", as the seed's
 * `severity_map.get(name, 'unknown')`; it never counts as high.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { WORLD } from "../../compiler/diagnostics/codes/world.js";

export const SEVERITY_LEVELS = ["low", "medium", "high"] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];
export type Severity = SeverityLevel | "unknown";

export type SeverityMap = Readonly<Record<string, SeverityLevel>>;

/** The seed's map (chapter 5.2, `AIQualityInspector.severity_map`). */
export const SEED_SEVERITY_MAP: SeverityMap = {
  scratch: "medium",
  crack: "high",
  stain: "low",
  dent: "high",
};

export function isSeverityLevel(v: unknown): v is SeverityLevel {
  return typeof v === "string" && (SEVERITY_LEVELS as readonly string[]).includes(v);
}

export function severityOf(map: SeverityMap, className: string): Severity {
  return Object.prototype.hasOwnProperty.call(map, className) ? map[className] : "unknown";
}

/**
 * A severity map from `crack=high,stain=low` text or an object; every key must be one of
 * `names` (PW3203) and every value low/medium/high (PW2023).
 */
export function parseSeverityMap(
  spec: string | Readonly<Record<string, unknown>>,
  names: readonly string[],
): Record<string, SeverityLevel> {
  const entries: [string, unknown][] =
    typeof spec === "string"
      ? spec
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)
          .map((p) => {
            const eq = p.indexOf("=");
            if (eq <= 0)
              throw new PipeError(
                "PW2023",
                `severity entry \`${p}\` is not class=level`,
                {},
                "e.g. --severity crack=high,stain=low",
              );
            return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
          })
      : Object.entries(spec);
  const out: Record<string, SeverityLevel> = {};
  for (const [name, level] of entries) {
    if (!names.includes(name)) {
      throw new PipeError(
        WORLD.detectionClassUnknown,
        `severity map names class \`${name}\`, which the detector does not have`,
        {},
        `classes: ${names.join(", ")}`,
      );
    }
    if (!isSeverityLevel(level)) {
      throw new PipeError(
        "PW2023",
        `severity of \`${name}\` must be low, medium or high, got \`${String(level)}\``,
      );
    }
    out[name] = level;
  }
  return out;
}

/** The default map for a detector's classes: the seed's levels where the names match. */
export function defaultSeverityMap(names: readonly string[]): Record<string, SeverityLevel> {
  const out: Record<string, SeverityLevel> = {};
  for (const n of names) if (SEED_SEVERITY_MAP[n]) out[n] = SEED_SEVERITY_MAP[n];
  return out;
}
