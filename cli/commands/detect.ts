import { resolve } from "node:path";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { checkDetectOptions, openDetector, printIssues } from "./detect-shared.js";

export interface DetectArgs {
  weights: string;
  images: string[];
  conf: number;
  iou: number;
  maxDet: number;
  out: string;
  saveConf?: boolean;
  batch?: number;
}

/** `pipe detect <weights> <images…>`: predictions as JSON and YOLO txt, a line per image. */
export async function runDetect(io: CliIo, args: DetectArgs): Promise<number> {
  const bad = checkDetectOptions(args);
  if (bad) {
    io.stderr(`pipe detect: ${bad}\n`);
    return EXIT_USAGE;
  }
  const { expandImageInputs, detectFiles, writePredictions } =
    await import("../../runtime/detection/infer/detect-files.js");
  const { files, issues } = expandImageInputs(args.images, io.cwd);
  const { backend, detector, dir } = await openDetector(io, args.weights);
  try {
    printIssues(io, issues);
    if (files.length === 0) {
      io.stderr(`error: no images to detect in ${args.images.join(", ")}\n`);
      return EXIT_DIAGNOSTICS;
    }
    const names = detector.config.names;
    const started = performance.now();
    const run = await detectFiles(detector, files, {
      conf: args.conf,
      iou: args.iou,
      maxDet: args.maxDet,
      batch: args.batch,
      onImage: (r) => {
        const counts = new Map<string, number>();
        for (const d of r.detections) counts.set(names[d.cls], (counts.get(names[d.cls]) ?? 0) + 1);
        const what = [...counts].map(([n, c]) => `${c} ${n}`).join(", ");
        io.stdout(
          `${r.path}: ${r.width}x${r.height}, ${r.detections.length ? what : "no detections"}\n`,
        );
      },
    });
    printIssues(io, run.errors);
    const out = resolve(io.cwd, args.out);
    await writePredictions(out, run, names, {
      saveConf: args.saveConf,
      settings: { weights: dir, conf: args.conf, iou: args.iou, max_det: args.maxDet },
    });
    const total = run.results.reduce((n, r) => n + r.detections.length, 0);
    const seconds = (performance.now() - started) / 1000;
    io.stdout(
      `${run.results.length} image${run.results.length === 1 ? "" : "s"}, ${total} detection${total === 1 ? "" : "s"} in ${seconds.toFixed(1)} s` +
        `${run.errors.length ? `; ${run.errors.length} unreadable` : ""}\nwrote ${out}/predictions.json and ${run.results.length} label file${run.results.length === 1 ? "" : "s"} in ${out}/labels\n`,
    );
    return run.results.length === 0 ? EXIT_DIAGNOSTICS : EXIT_OK;
  } finally {
    detector.dispose();
    backend.dispose();
  }
}
