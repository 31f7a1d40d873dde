/** What `pipe detect` and `pipe inspect` share: option checks, the backend, the model. */
import { resolve } from "node:path";
import type { DataIssue } from "../../compiler/diagnostics/diagnostic.js";
import type { CliIo } from "../io.js";

/** A usage problem with a detection option, or undefined. */
export function checkDetectOptions(o: {
  conf?: number;
  iou?: number;
  maxDet?: number;
  batch?: number;
}): string | undefined {
  const unit = (k: string, v: number | undefined) =>
    v !== undefined && !(v >= 0 && v <= 1) ? `--${k} must be in [0, 1], got ${v}` : undefined;
  const count = (k: string, v: number | undefined) =>
    v !== undefined && !(Number.isInteger(v) && v >= 1)
      ? `--${k} must be a whole number ≥ 1, got ${v}`
      : undefined;
  return (
    unit("conf", o.conf) ??
    unit("iou", o.iou) ??
    count("max-det", o.maxDet) ??
    count("batch", o.batch)
  );
}

export function printIssues(io: CliIo, issues: readonly DataIssue[], severity = "warning"): void {
  for (const i of issues)
    io.stderr(`${severity}[${i.code}]: ${i.message}\n${i.path ? `  --> ${i.path}\n` : ""}`);
}

/** The backend (WebGPU, or the CPU with a notice) and the loaded detector; dispose both. */
export async function openDetector(io: CliIo, weights: string) {
  const { loadDetector, readDetectorConfig } =
    await import("../../runtime/detection/model/weights-io.js");
  const dir = resolve(io.cwd, weights);
  readDetectorConfig(dir); // user errors (missing dir, bad JSON) before a device is opened
  const { createBackend } = await import("../../runtime/backend/create-backend.js");
  const backend = await createBackend({ onNotice: (m) => io.stderr(`${m}\n`) });
  try {
    return { backend, detector: loadDetector(dir, backend), dir };
  } catch (err) {
    backend.dispose();
    throw err;
  }
}
