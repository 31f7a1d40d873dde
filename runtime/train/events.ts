/**
 * Training progress as events (library code never prints: cli/ renders them as a progress bar,
 * tests collect them). The same objects are appended, one JSON per line, to the metrics log.
 * Keys are snake_case because the JSONL file is read by people and by other tools.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface StartEvent {
  event: "start";
  step: number;
  total_steps: number;
  steps_per_epoch: number;
  epochs: number;
  examples: number;
  warmup_steps: number;
  /** Present when the run continues from a checkpoint. */
  resumed_from?: string;
}

export interface LogEvent {
  event: "log";
  step: number;
  /** Fractional epoch (epochs completed + fraction of the current one). */
  epoch: number;
  /** Mean training loss per step since the last log event. */
  loss: number;
  lr: number;
  tokens_per_s: number;
  eta_s: number;
  grad_norm?: number;
  /** Objective components (distillation: hard_loss, soft_loss), same averaging as `loss`. */
  [part: string]: number | string | undefined;
}

export interface EvalEvent {
  event: "eval";
  step: number;
  epoch: number;
  metrics: Record<string, number>;
}

export interface CheckpointEvent {
  event: "checkpoint";
  step: number;
  path: string;
}

export interface EarlyStopEvent {
  event: "early_stop";
  step: number;
  metric: string;
  best: number;
  best_step: number;
}

export interface NoticeEvent {
  event: "notice";
  step: number;
  message: string;
}

export interface EndEvent {
  event: "end";
  step: number;
  epoch: number;
  reason: "completed" | "early_stop" | "halted";
}

export type TrainEvent =
  StartEvent | LogEvent | EvalEvent | CheckpointEvent | EarlyStopEvent | NoticeEvent | EndEvent;

export type TrainEventListener = (event: TrainEvent) => void;

/** Appends events to a JSONL file (created with its directory when missing). */
export class MetricsLog {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  append(event: TrainEvent): void {
    fs.appendFileSync(this.file, JSON.stringify(event) + "\n");
  }

  /** A fresh start: an earlier run's lines are removed. */
  clear(): void {
    fs.rmSync(this.file, { force: true });
  }

  /**
   * On resume: drop the lines a crashed run wrote after the checkpoint it resumes from (steps
   * greater than `step`), so the log reads as one uninterrupted run. Written atomically.
   */
  truncateAfter(step: number): void {
    if (!fs.existsSync(this.file)) return;
    const kept = fs
      .readFileSync(this.file, "utf8")
      .split("\n")
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          const e = JSON.parse(line) as { step?: unknown; event?: unknown };
          if (e.event === "end") return false; // the run did not end: it continues now
          return typeof e.step !== "number" || e.step <= step;
        } catch {
          return false; // a line cut by the crash
        }
      });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, kept.map((l) => l + "\n").join(""));
    fs.renameSync(tmp, this.file);
  }
}
