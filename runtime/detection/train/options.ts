/**
 * Detector training settings: the seed course's knobs (epochs, imgsz, batch, AdamW lr0/lrf,
 * momentum, weight decay, warmup, patience, save_period, augmentation) with Ultralytics'
 * defaults where they exist, checked in one place.
 */
import {
  checkAugmentOptions,
  DEFAULT_AUGMENT,
  type AugmentOptions,
} from "../data/augment/pipeline.js";

export interface TrainSettings {
  epochs: number;
  batch: number;
  /** Initial learning rate (AdamW). */
  lr0: number;
  /** Final learning rate as a fraction of lr0 (linear decay over the epochs). */
  lrf: number;
  /** AdamW β1 (Ultralytics' `momentum`). */
  momentum: number;
  weightDecay: number;
  /** Linear warmup from 0, in epochs (fractional allowed). */
  warmupEpochs: number;
  /** Stop after this many epochs without a better fitness (0: never). */
  patience: number;
  /** Also keep the weights every N epochs (0: only best and last). */
  savePeriod: number;
  /** Turn mosaic off for the last N epochs. */
  closeMosaic: number;
  /** Validate every N epochs (and after the last). */
  evalEvery: number;
  /** Write a step record to the metrics log every N steps. */
  logEvery: number;
  /** Also checkpoint every N steps (0: at epoch ends only). */
  checkpointEvery: number;
  seed: number;
  augment: AugmentOptions;
  /** Loss gains (Ultralytics: box 7.5, cls 0.5; the ltrb L1 term takes DFL's 1.5). */
  boxGain: number;
  clsGain: number;
  l1Gain: number;
  /**
   * Class targets of positive anchors (see loss.ts): "hard" (default: 1, so confidence rises
   * fast on the short schedules a CPU adapter affords — measured 0.415 vs 0.043 mAP50 after the
   * same 200 steps on the defect data) or "aligned" (Ultralytics' IoU-aware soft targets, for
   * long schedules).
   */
  clsTargets: "aligned" | "hard";
}

export const DEFAULT_TRAIN_SETTINGS: Readonly<TrainSettings> = {
  epochs: 100,
  batch: 16,
  lr0: 0.002,
  lrf: 0.01,
  momentum: 0.937,
  weightDecay: 5e-4,
  warmupEpochs: 3,
  patience: 50,
  savePeriod: 0,
  closeMosaic: 10,
  evalEvery: 1,
  logEvery: 10,
  checkpointEvery: 0,
  seed: 0,
  augment: { ...DEFAULT_AUGMENT },
  boxGain: 7.5,
  clsGain: 0.5,
  l1Gain: 1.5,
  clsTargets: "hard",
};

export type TrainSettingsInput = Partial<Omit<TrainSettings, "augment">> & {
  augment?: Partial<AugmentOptions>;
};

/** Defaults filled in; throws an Error listing every bad value. */
export function resolveTrainSettings(input: TrainSettingsInput = {}): TrainSettings {
  const s: TrainSettings = {
    ...DEFAULT_TRAIN_SETTINGS,
    ...input,
    augment: { ...DEFAULT_AUGMENT, ...input.augment },
  };
  const bad: string[] = checkAugmentOptions(input.augment ?? {});
  const int = (k: keyof TrainSettings, min: number) => {
    const v = s[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min)
      bad.push(`\`${k}\` must be an integer ≥ ${min}, got ${String(v)}`);
  };
  const num = (k: keyof TrainSettings, lo: number, hi: number) => {
    const v = s[k];
    if (typeof v !== "number" || !(v >= lo && v <= hi))
      bad.push(`\`${k}\` must be in [${lo}, ${hi}], got ${String(v)}`);
  };
  int("epochs", 1);
  int("batch", 2);
  int("patience", 0);
  int("savePeriod", 0);
  int("closeMosaic", 0);
  int("evalEvery", 1);
  int("logEvery", 1);
  int("checkpointEvery", 0);
  int("seed", 0);
  num("lr0", 1e-8, 1);
  num("lrf", 0, 1);
  num("momentum", 0, 0.9999);
  num("weightDecay", 0, 1);
  num("warmupEpochs", 0, 1e6);
  num("boxGain", 0, 1e3);
  num("clsGain", 0, 1e3);
  num("l1Gain", 0, 1e3);
  if (s.clsTargets !== "aligned" && s.clsTargets !== "hard")
    bad.push(`\`clsTargets\` must be aligned or hard, got ${String(s.clsTargets)}`);
  if (bad.length) throw new Error(`detector training: ${bad.join("; ")}`);
  return s;
}

/** Ultralytics' linear schedule factor for an epoch: 1 → lrf. */
export function linearLrFactor(epoch: number, epochs: number, lrf: number): number {
  return (1 - epoch / epochs) * (1 - lrf) + lrf;
}

/** Learning rate at (epoch, step in epoch) with `stepsPerEpoch` steps: warmup, then the epoch's rate. */
export function learningRate(
  s: Pick<TrainSettings, "lr0" | "lrf" | "epochs" | "warmupEpochs">,
  epoch: number,
  step: number,
  stepsPerEpoch: number,
): number {
  const target = s.lr0 * linearLrFactor(epoch, s.epochs, s.lrf);
  const warmupSteps = Math.round(s.warmupEpochs * stepsPerEpoch);
  const ni = epoch * stepsPerEpoch + step;
  return ni < warmupSteps ? (target * (ni + 1)) / warmupSteps : target;
}

const AUGMENT_KEYS: Record<string, keyof AugmentOptions> = {
  hsv_h: "hsvH",
  hsv_s: "hsvS",
  hsv_v: "hsvV",
  degrees: "degrees",
  translate: "translate",
  scale: "scale",
  shear: "shear",
  flipud: "flipud",
  fliplr: "fliplr",
  mosaic: "mosaic",
};

/**
 * Settings from a `detect_train` stage as the IR carries them (the seed's snake_case knobs:
 * epochs, batch, warmup_epochs, patience, save_period, log_every, seed, `augment { hsv_h …
 * close_mosaic }`, `eval { every }`, `optimizer: adamw { lr0 | lr, lrf, weight_decay, betas }`).
 * Unknown keys are ignored here: the compiler has already checked them.
 */
export function trainSettingsFromStage(
  stage: Readonly<Record<string, unknown>>,
): TrainSettingsInput {
  const out: TrainSettingsInput = {};
  const n = (v: unknown) => (typeof v === "number" ? v : undefined);
  const obj = (v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  const set = <K extends keyof TrainSettingsInput>(k: K, v: unknown) => {
    if (n(v) !== undefined) out[k] = n(v) as TrainSettingsInput[K];
  };
  set("epochs", stage.epochs);
  set("batch", stage.batch);
  set("warmupEpochs", stage.warmup_epochs);
  set("patience", stage.patience);
  set("savePeriod", stage.save_period);
  set("logEvery", stage.log_every);
  set("seed", stage.seed);
  const aug = obj(stage.augment);
  if (aug) {
    const a: Partial<AugmentOptions> = {};
    for (const [k, name] of Object.entries(AUGMENT_KEYS))
      if (n(aug[k]) !== undefined) a[name] = n(aug[k]);
    out.augment = a;
    set("closeMosaic", aug.close_mosaic);
  }
  set("evalEvery", obj(stage.eval)?.every);
  // `optimizer: adamw { … }` arrives as { kind: "adamw", … } or { adamw: { … } }.
  const opt = obj(stage.optimizer);
  const fields = opt ? (obj(opt.adamw) ?? opt) : undefined;
  if (fields) {
    set("lr0", fields.lr0 ?? fields.lr);
    set("lrf", fields.lrf);
    set("weightDecay", fields.weight_decay);
    if (Array.isArray(fields.betas)) set("momentum", fields.betas[0]);
  }
  return out;
}
