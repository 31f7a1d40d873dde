/**
 * Learning-rate schedules with warmup, as Hugging Face's `get_*_schedule_with_warmup`: the
 * learning rate of optimizer step `s` (0-based, i.e. after `s` completed steps) is
 * `lr · factor(s)`, where during warmup `factor = s / warmup` (so the very first step of a
 * warmed-up run has lr 0, as in transformers) and after it
 *
 * - `constant`: 1
 * - `linear`:   decays linearly to `minLrRatio` at `totalSteps`
 * - `cosine`:   `minLrRatio + (1 − minLrRatio) · ½(1 + cos(π · progress))`
 *
 * with `progress = (s − warmup) / (totalSteps − warmup)`. A schedule is a pure function of the
 * step, so its checkpoint state is the step count (plus the settings, kept for checking).
 */

export type ScheduleKind = "constant" | "linear" | "cosine";

export interface ScheduleOptions {
  kind: ScheduleKind;
  /** Warmup steps; takes precedence over `warmupRatio`. */
  warmupSteps?: number;
  /** Warmup as a fraction of the total steps (rounded up, as transformers). */
  warmupRatio?: number;
  /** The floor of the decay as a fraction of the peak lr (default 0). */
  minLrRatio?: number;
}

export interface ResolvedSchedule {
  kind: ScheduleKind;
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  minLrRatio: number;
}

export function resolveSchedule(
  options: ScheduleOptions,
  peakLr: number,
  totalSteps: number,
): ResolvedSchedule {
  const ratio = options.warmupRatio ?? 0;
  if (ratio < 0 || ratio > 1) throw new Error(`warmup ratio must be in [0, 1], got ${ratio}`);
  const warmupSteps = options.warmupSteps ?? Math.ceil(ratio * totalSteps);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new Error(`warmup steps must be a non-negative integer, got ${warmupSteps}`);
  }
  const minLrRatio = options.minLrRatio ?? 0;
  if (minLrRatio < 0 || minLrRatio > 1) {
    throw new Error(`min_lr_ratio must be in [0, 1], got ${minLrRatio}`);
  }
  return { kind: options.kind, peakLr, warmupSteps, totalSteps, minLrRatio };
}

/** The factor applied to the peak learning rate at step `s`. */
export function scheduleFactor(s: ResolvedSchedule, step: number): number {
  if (step < s.warmupSteps) return step / Math.max(1, s.warmupSteps);
  if (s.kind === "constant") return 1;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  const decay = s.kind === "linear" ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return s.minLrRatio + (1 - s.minLrRatio) * decay;
}

export function learningRate(s: ResolvedSchedule, step: number): number {
  return s.peakLr * scheduleFactor(s, step);
}
