/**
 * The text form of `pipe estimate`: per stage, what is trained and how, the parameter counts,
 * a table (component, count, bytes, size) with its total, and with a budget what fits.
 */
import { formatBytes } from "../memory/estimate.js";
import { describeBudget } from "../world-checks/memory.js";
import type { EstimateReport, StageReport } from "./report.js";
import type { EstimateRow } from "./stage-memory.js";
import { groupThousands } from "../text/format-number.js";

const fmt = (n: number): string => groupThousands(n);

function percent(part: number, whole: number): string {
  if (whole === 0) return "0%";
  const p = (100 * part) / whole;
  return p >= 10 ? `${p.toFixed(1)}%` : p >= 0.01 ? `${p.toFixed(3)}%` : `${p.toExponential(2)}%`;
}

function table(rows: readonly EstimateRow[], totalLabel: string, total: number): string[] {
  const cells = [
    ["component", "count", "bytes", "size"],
    ...rows.map((r) => [
      r.component,
      r.count === undefined ? "" : `${fmt(r.count)}${r.unit ? ` ${r.unit}` : ""}`,
      fmt(r.bytes),
      formatBytes(r.bytes),
    ]),
    [totalLabel, "", fmt(total), formatBytes(total)],
  ];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]): string =>
    `  ${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2].padStart(widths[2])}  ${row[3].padStart(widths[3])}`.trimEnd();
  const rule = `  ${"─".repeat(widths.reduce((a, b) => a + b, 0) + 6)}`;
  return [
    line(cells[0]),
    rule,
    ...cells.slice(1, -1).map(line),
    rule,
    line(cells[cells.length - 1]),
  ];
}

function renderFit(s: StageReport): string[] {
  const f = s.fit;
  if (!f) return [];
  const out = [
    `  budget ${describeBudget(f.budgetBytes)}: ${
      f.fits
        ? `fits (${formatBytes(f.budgetBytes - s.totalBytes)} to spare)`
        : `does not fit (over by ${formatBytes(s.totalBytes - f.budgetBytes)})`
    }`,
  ];
  if (f.fixedBytes !== undefined && f.fixedBytes > f.budgetBytes) {
    out.push(
      `    weights, gradients and optimizer states alone need ${formatBytes(f.fixedBytes)}: no batch or sequence length fits`,
    );
    return out;
  }
  if (f.maxBatchAtSeqLen !== undefined && s.seqLen !== undefined) {
    out.push(`    largest micro-batch at sequence ${fmt(s.seqLen)}: ${fmt(f.maxBatchAtSeqLen)}`);
  }
  if (f.maxSeqLenAtBatch !== undefined && s.batch !== undefined) {
    const cap =
      s.maxPositionEmbeddings !== undefined && f.maxSeqLenAtBatch === s.maxPositionEmbeddings
        ? " (max_position_embeddings)"
        : "";
    out.push(`    longest sequence at batch ${fmt(s.batch)}: ${fmt(f.maxSeqLenAtBatch)}${cap}`);
  }
  // Sequences shorter than 16 tokens are of no use to anyone: not listed.
  const useful = (f.frontier ?? []).filter((p) => p.seqLen >= 16);
  if (useful.length > 0) {
    out.push(
      `    batch → longest sequence: ${useful.map((p) => `${p.batch} → ${fmt(p.seqLen)}`).join(", ")}`,
    );
  }
  if (f.maxBatch !== undefined) out.push(`    largest batch: ${fmt(f.maxBatch)}`);
  return out;
}

function renderStage(s: StageReport, report: EstimateReport): string[] {
  const out = [`${s.kind} ${s.name} (${s.source})`];
  if (s.unavailable) return [...out, `  no estimate: ${s.unavailable}`];
  for (const d of s.description) out.push(`  ${d}`);
  if (s.parameters) {
    const { total, trainable } = s.parameters;
    out.push(
      `  parameters: ${fmt(total)} total, ${fmt(trainable)} trainable (${percent(trainable, total)})`,
    );
  }
  out.push("");
  out.push(
    ...table(
      s.rows,
      "total",
      s.otherPhases.length ? s.rows.reduce((n, r) => n + r.bytes, 0) : s.totalBytes,
    ),
  );
  for (const phase of s.otherPhases) {
    out.push("", `  ${phase.name}:`);
    out.push(...table(phase.rows, "total", phase.totalBytes));
  }
  if (s.otherPhases.length) out.push(`  peak (the larger phase): ${formatBytes(s.totalBytes)}`);
  if (s.fit) out.push("", ...renderFit(s));
  for (const v of s.limitViolations.slice(0, 3)) {
    out.push(
      `  ! ${v.buffer}: ${formatBytes(v.bytes)} > ${report.limits.source} ${v.limit} ${formatBytes(v.limitBytes)}`,
    );
  }
  if (s.limitViolations.length > 3)
    out.push(`  ! … and ${s.limitViolations.length - 3} more buffers`);
  return out;
}

export function renderEstimate(report: EstimateReport): string {
  const out = [
    `pipeline "${report.pipeline}" (${report.file}): static memory estimate, formulas in docs/memory.md`,
  ];
  if (report.budget) {
    out.push(
      `budget: ${describeBudget(report.budget.bytes)}${report.budget.from === "memory_budget" ? " (memory_budget)" : ""}`,
    );
  }
  if (report.stages.length === 0) {
    out.push("", "no train or distill stage: nothing to estimate");
    return out.join("\n") + "\n";
  }
  for (const s of report.stages) out.push("", ...renderStage(s, report));
  if (report.peak) {
    out.push(
      "",
      `peak: ${formatBytes(report.peak.bytes)} (\`${report.peak.stage}\`; stages run one after another)`,
    );
  }
  return out.join("\n") + "\n";
}
