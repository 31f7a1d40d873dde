/**
 * Early stopping on an evaluation metric: stop when `patience` evaluations in a row failed to
 * improve on the best value by more than `minDelta` (Hugging Face's EarlyStoppingCallback).
 * The state is plain JSON so checkpoints carry it.
 */

export interface EarlyStoppingOptions {
  /** Metric name from the evaluation (default `val_loss`). */
  metric?: string;
  /** `min` for losses (default), `max` for scores. */
  mode?: "min" | "max";
  /** Evaluations without improvement before stopping. */
  patience: number;
  /** Improvement needed to count (default 0). */
  minDelta?: number;
}

export interface EarlyStoppingState {
  best: number | null;
  bestStep: number | null;
  /** Evaluations since the best one. */
  badEvaluations: number;
}

export function initialEarlyStopping(): EarlyStoppingState {
  return { best: null, bestStep: null, badEvaluations: 0 };
}

/**
 * Updates the state with a new evaluation; returns whether training should stop. A missing
 * metric is a configuration error (thrown), not silently "no improvement".
 */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  options: EarlyStoppingOptions,
  metrics: Readonly<Record<string, number>>,
  step: number,
): boolean {
  const name = options.metric ?? "val_loss";
  const value = metrics[name];
  if (typeof value !== "number") {
    throw new Error(
      `early stopping watches "${name}", which the evaluation did not report (it reported: ${Object.keys(metrics).join(", ") || "nothing"})`,
    );
  }
  const delta = options.minDelta ?? 0;
  const improved =
    state.best === null ||
    ((options.mode ?? "min") === "min" ? value < state.best - delta : value > state.best + delta);
  if (improved && !Number.isNaN(value)) {
    state.best = value;
    state.bestStep = step;
    state.badEvaluations = 0;
    return false;
  }
  state.badEvaluations++;
  return state.badEvaluations >= options.patience;
}
