import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { checkDetectOptions, openDetector, printIssues } from "./detect-shared.js";

export interface InspectArgs {
  weights: string;
  images: string[];
  severity?: string;
  rules?: string;
  recommend?: string[];
  conf: number;
  iou: number;
  maxDet: number;
  out: string;
  annotate?: boolean;
  vlm?: string;
}

/** Verdict rules from a JSON file or inline JSON text. */
function readRules(io: CliIo, spec: string): unknown {
  const path = resolve(io.cwd, spec);
  const fromFile = !spec.trim().startsWith("[") && existsSync(path);
  const text = fromFile ? readFileSync(path, "utf8") : spec;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PipeError(
      "PW2023",
      `verdict rules are not valid JSON: ${(err as Error).message}`,
      fromFile ? { path } : {},
      'e.g. [{"outcome":"FAIL","when":{"call":"any","args":["high"]}},{"outcome":"PASS","when":null}]',
    );
  }
}

function parseRecommendations(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq).trim().toUpperCase() : "";
    if (!["PASS", "WARNING", "FAIL"].includes(key))
      throw new PipeError("PW2025", `--recommend \`${item}\` must be PASS=…, WARNING=… or FAIL=…`);
    out[key] = item.slice(eq + 1).trim();
  }
  return out;
}

/** `pipe inspect <weights> <images…>`: a verdict line per image, then the summary table. */
export async function runInspect(io: CliIo, args: InspectArgs): Promise<number> {
  const bad = checkDetectOptions(args);
  if (bad) {
    io.stderr(`pipe inspect: ${bad}\n`);
    return EXIT_USAGE;
  }
  const { expandImageInputs } = await import("../../runtime/detection/infer/detect-files.js");
  const { defaultSeverityMap, parseSeverityMap } =
    await import("../../runtime/inspect/severity.js");
  const { createInspectionPolicy } = await import("../../runtime/inspect/inspector.js");
  const { inspectImages } = await import("../../runtime/inspect/run-inspection.js");
  const { formatSummaryTable } = await import("../../runtime/inspect/summary.js");
  const { files, issues } = expandImageInputs(args.images, io.cwd);
  const rules = args.rules !== undefined ? readRules(io, args.rules) : undefined;
  const recommendations = parseRecommendations(args.recommend ?? []);
  const { backend, detector } = await openDetector(io, args.weights);
  try {
    const names = detector.config.names;
    const severity =
      args.severity !== undefined
        ? parseSeverityMap(args.severity, names)
        : defaultSeverityMap(names);
    for (const n of names) {
      if (!severity[n])
        io.stderr(
          `warning[PW3204]: class \`${n}\` has no severity; its defects count as "unknown" (never high)\n`,
        );
    }
    const policy = createInspectionPolicy({
      names,
      severity,
      ...(rules !== undefined ? { rules: rules as never } : {}),
      recommendations,
      vlm: args.vlm !== undefined ? { model: resolve(io.cwd, args.vlm) } : "off",
    });
    printIssues(io, issues);
    if (files.length === 0) {
      io.stderr(`error: no images to inspect in ${args.images.join(", ")}\n`);
      return EXIT_DIAGNOSTICS;
    }
    const out = resolve(io.cwd, args.out);
    const r = await inspectImages(detector, files, policy, out, {
      conf: args.conf,
      iou: args.iou,
      maxDet: args.maxDet,
      annotate: args.annotate ?? true,
      onImage: (img) => {
        const what = img.defects
          .map((d) => `${d.class}(${d.severity}) ${d.confidence.toFixed(2)}`)
          .join(", ");
        io.stdout(`${img.verdict.padEnd(7)} ${img.image}${what ? `: ${what}` : ""}\n`);
      },
    });
    printIssues(io, r.errors);
    if (
      r.images.length &&
      r.images[0].vlm_analysis.status === "skipped" &&
      args.vlm !== undefined
    ) {
      io.stderr(`note: VLM analysis skipped: ${r.images[0].vlm_analysis.reason}\n`);
    }
    io.stdout("\n" + formatSummaryTable(r.summary));
    io.stdout(
      `${r.summary.verdicts.PASS} PASS, ${r.summary.verdicts.WARNING} WARNING, ${r.summary.verdicts.FAIL} FAIL${r.errors.length ? `, ${r.errors.length} unreadable` : ""}\n`,
    );
    io.stdout(
      `wrote ${r.files.report}, ${r.files.reports.length} reports${r.files.annotated.length ? ` and ${r.files.annotated.length} annotated images` : ""} in ${out}\n`,
    );
    return r.images.length === 0 ? EXIT_DIAGNOSTICS : EXIT_OK;
  } finally {
    detector.dispose();
    backend.dispose();
  }
}
