/**
 * The inspection summary: images per verdict, and per class how many defects were found, on how
 * many images, and how those images were judged — plus a plain-text table of it for the CLI.
 */
import type { ImageInspection } from "./inspector.js";
import type { Outcome } from "./verdict-rules.js";

export interface InspectionSummary {
  images: number;
  unreadable: number;
  verdicts: Record<Outcome, number>;
  defects: number;
  /** Per class: defects found, images with that class, and those images' verdicts. */
  classes: Record<string, { defects: number; images: number; verdicts: Record<Outcome, number> }>;
  severities: Record<string, number>;
}

const zeroVerdicts = (): Record<Outcome, number> => ({ PASS: 0, WARNING: 0, FAIL: 0 });

export function summarizeInspections(
  images: readonly ImageInspection[],
  names: readonly string[],
  unreadable = 0,
): InspectionSummary {
  const s: InspectionSummary = {
    images: images.length,
    unreadable,
    verdicts: zeroVerdicts(),
    defects: 0,
    classes: {},
    severities: {},
  };
  for (const n of names) s.classes[n] = { defects: 0, images: 0, verdicts: zeroVerdicts() };
  for (const img of images) {
    s.verdicts[img.verdict]++;
    s.defects += img.defect_count;
    const seen = new Set<string>();
    for (const d of img.defects) {
      const c = (s.classes[d.class] ??= { defects: 0, images: 0, verdicts: zeroVerdicts() });
      c.defects++;
      s.severities[d.severity] = (s.severities[d.severity] ?? 0) + 1;
      if (!seen.has(d.class)) {
        seen.add(d.class);
        c.images++;
        c.verdicts[img.verdict]++;
      }
    }
  }
  return s;
}

/** A fixed-width table: one row per class, then totals; verdict counts per column. */
export function formatSummaryTable(s: InspectionSummary): string {
  const rows: string[][] = [["class", "defects", "images", "PASS", "WARNING", "FAIL"]];
  for (const [name, c] of Object.entries(s.classes))
    rows.push([
      name,
      String(c.defects),
      String(c.images),
      String(c.verdicts.PASS),
      String(c.verdicts.WARNING),
      String(c.verdicts.FAIL),
    ]);
  rows.push([
    "all",
    String(s.defects),
    String(s.images),
    String(s.verdicts.PASS),
    String(s.verdicts.WARNING),
    String(s.verdicts.FAIL),
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join("  ");
  const out = [
    line(rows[0]),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1, -1).map(line),
    widths.map((w) => "-".repeat(w)).join("  "),
    line(rows[rows.length - 1]),
  ];
  return out.join("\n") + "\n";
}
