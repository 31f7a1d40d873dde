/**
 * Text for progress: a bar with step/total, loss, rate and ETA, and durations. Pure functions
 * (the reporter decides where and how often to draw).
 */
export interface BarInput {
  label: string;
  step: number;
  total?: number;
  loss?: number;
  rate?: number;
  unit?: string;
  eta?: number;
  values?: Record<string, number>;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(sec).padStart(2, "0")}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds);
}

function formatNumber(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(3);
  return x.toPrecision(3);
}

function formatRate(rate: number, unit: string): string {
  const r = rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
  return `${r} ${unit}/s`;
}

/** "label  [########------------]  120/600  loss 2.345  45.2 steps/s  ETA 0:12" */
export function formatBar(p: BarInput, width = 24): string {
  const parts = [p.label];
  if (p.total !== undefined && p.total > 0) {
    const frac = Math.min(1, Math.max(0, p.step / p.total));
    const full = Math.round(frac * width);
    parts.push(`[${"#".repeat(full)}${"-".repeat(width - full)}]`);
    parts.push(`${p.step}/${p.total}`);
  } else parts.push(`${p.step}${p.unit ? ` ${p.unit}` : ""}`);
  if (p.loss !== undefined) parts.push(`loss ${formatNumber(p.loss)}`);
  for (const [k, v] of Object.entries(p.values ?? {})) parts.push(`${k} ${formatNumber(v)}`);
  if (p.rate !== undefined && p.rate > 0) parts.push(formatRate(p.rate, p.unit ?? "steps"));
  if (p.eta !== undefined && p.total !== undefined && p.step < p.total)
    parts.push(`ETA ${formatDuration(p.eta)}`);
  return parts.join("  ");
}

/** Fits a line to the terminal width (progress lines must not wrap, or `\r` redraws break). */
export function fitLine(line: string, columns: number): string {
  const chars = Array.from(line);
  return chars.length <= columns - 1
    ? line
    : chars.slice(0, Math.max(0, columns - 2)).join("") + "…";
}
