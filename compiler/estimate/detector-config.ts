/**
 * A `yolo_detector { width, depth }` declaration as a DetectorConfig: the YOLOv8 layout with
 * channels and repeats scaled by the multiples, as Ultralytics scales its yaml (channels
 * rounded up to a multiple of 8 after capping at `maxChannels`, repeats rounded, at least 1).
 * With width 0.25 / depth 0.33 this is YOLOv8n.
 */
import type { DetectorConfig } from "../memory/detector.js";

export function scaledDetectorConfig(
  width: number,
  depth: number,
  numClasses: number,
  maxChannels = 1024,
): DetectorConfig {
  const w = (c: number): number => Math.ceil((Math.min(c, maxChannels) * width) / 8) * 8;
  const d = (n: number): number => Math.max(Math.round(n * depth), 1);
  return {
    numClasses,
    widths: [w(64), w(128), w(256), w(512), w(1024)],
    depths: [d(3), d(6), d(6), d(3)],
    neckDepth: d(3),
    regMax: 16,
  };
}
