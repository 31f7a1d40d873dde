/**
 * Units on number literals: `8GB` is memory, `90%` a fraction, `30min` a duration, `100steps`
 * a count. Each unit has a kind and a factor to the kind's base (bytes, fraction, seconds, 1).
 */
export type UnitKind = "memory" | "fraction" | "duration" | "count";

interface UnitInfo {
  kind: UnitKind;
  factor: number;
}

const UNITS: Record<string, UnitInfo> = {
  B: { kind: "memory", factor: 1 },
  KB: { kind: "memory", factor: 1e3 },
  MB: { kind: "memory", factor: 1e6 },
  GB: { kind: "memory", factor: 1e9 },
  TB: { kind: "memory", factor: 1e12 },
  KiB: { kind: "memory", factor: 2 ** 10 },
  MiB: { kind: "memory", factor: 2 ** 20 },
  GiB: { kind: "memory", factor: 2 ** 30 },
  TiB: { kind: "memory", factor: 2 ** 40 },
  "%": { kind: "fraction", factor: 0.01 },
  ms: { kind: "duration", factor: 1e-3 },
  s: { kind: "duration", factor: 1 },
  min: { kind: "duration", factor: 60 },
  h: { kind: "duration", factor: 3600 },
  steps: { kind: "count", factor: 1 },
  epochs: { kind: "count", factor: 1 },
  tokens: { kind: "count", factor: 1 },
  rows: { kind: "count", factor: 1 },
};

export const KNOWN_UNITS = Object.keys(UNITS);

export function unitInfo(unit: string): UnitInfo | undefined {
  return UNITS[unit];
}

export function describeUnitKind(kind: UnitKind): string {
  switch (kind) {
    case "memory":
      return "a memory size (`512MB`, `8GB`, `16GiB`)";
    case "fraction":
      return "a fraction (`90%` or `0.9`)";
    case "duration":
      return "a duration (`30s`, `5min`, `2h`)";
    case "count":
      return "a count";
  }
}

/** Formats bytes for people: 1.50 GiB, 320.0 MiB, 12 KiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${value} B` : `${value.toFixed(2)} ${units[i]}`;
}
