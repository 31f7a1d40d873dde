import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, type CliIo } from "../io.js";
import { printIssues } from "./detect-shared.js";

export interface ConvertArgs {
  direction: "voc2yolo" | "yolo2voc";
  input: string;
  output: string;
  classes?: string;
  images?: string;
  val?: number;
  seed?: number;
  difficult?: "skip" | "keep";
  symlink?: boolean;
  split?: string[];
  zeroBased?: boolean;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** `pipe convert voc2yolo|yolo2voc <input> <output>` through the data layer's conversion. */
export async function runConvert(io: CliIo, args: ConvertArgs): Promise<number> {
  const input = resolve(io.cwd, args.input);
  const output = resolve(io.cwd, args.output);
  if (!existsSync(input)) {
    io.stderr(`error: ${input} does not exist\n`);
    return EXIT_USAGE;
  }
  return args.direction === "voc2yolo"
    ? vocToYolo(io, args, input, output)
    : yoloToVoc(io, args, input, output);
}

async function vocToYolo(
  io: CliIo,
  args: ConvertArgs,
  input: string,
  output: string,
): Promise<number> {
  if (args.val !== undefined && !(args.val >= 0 && args.val < 1)) {
    io.stderr(`pipe convert: --val must be in [0, 1), got ${args.val}\n`);
    return EXIT_USAGE;
  }
  const { convertVocToYolo } = await import("../../runtime/detection/data/voc-convert.js");
  const annotations = isDir(join(input, "Annotations")) ? join(input, "Annotations") : input;
  const images =
    args.images !== undefined
      ? resolve(io.cwd, args.images)
      : isDir(join(input, "JPEGImages"))
        ? join(input, "JPEGImages")
        : input;
  const classes = args.classes
    ?.split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  const r = await convertVocToYolo({
    annotations,
    images,
    outDir: output,
    ...(classes && classes.length ? { classes } : {}),
    difficult: args.difficult ?? "skip",
    valFraction: args.val ?? 0.2,
    seed: args.seed ?? 0,
    coordinateBase: args.zeroBased ? 0 : 1,
    imageMode: args.symlink ? "symlink" : "copy",
  });
  printIssues(io, r.issues);
  const per = r.classes.map((c, i) => `${c} ${r.objectsPerClass[i]}`).join(", ");
  io.stdout(
    `${r.annotations} annotations → ${r.converted.train} train + ${r.converted.val} val images; ${r.objects} objects (${per})\n`,
  );
  const skipped = [
    r.skippedDifficult && `${r.skippedDifficult} difficult`,
    r.skippedUnknownClass && `${r.skippedUnknownClass} of unknown classes`,
    r.skippedBadBox && `${r.skippedBadBox} with bad boxes`,
  ].filter(Boolean);
  if (skipped.length) io.stdout(`skipped objects: ${skipped.join(", ")}\n`);
  if (r.clippedBoxes) io.stdout(`${r.clippedBoxes} boxes clipped to their image\n`);
  if (r.skippedFiles) io.stdout(`${r.skippedFiles} annotation files skipped (see warnings)\n`);
  io.stdout(`wrote ${r.yamlPath}\n`);
  return r.converted.train + r.converted.val > 0 ? EXIT_OK : EXIT_DIAGNOSTICS;
}

async function yoloToVoc(
  io: CliIo,
  args: ConvertArgs,
  input: string,
  output: string,
): Promise<number> {
  const { loadDatasetYaml } = await import("../../runtime/detection/data/dataset-yaml.js");
  const { scanSplit } = await import("../../runtime/detection/data/scan.js");
  const { exportYoloToVoc } = await import("../../runtime/detection/data/voc-convert.js");
  const yamlPath = isDir(input) ? join(input, "dataset.yaml") : input;
  const config = loadDatasetYaml(yamlPath, { cwd: io.cwd });
  const all = (["train", "val", "test"] as const).filter((s) => config[s].length > 0);
  const wanted = args.split ?? [...all];
  for (const s of wanted) {
    if (!all.includes(s as (typeof all)[number])) {
      io.stderr(`pipe convert: split \`${s}\` is not in ${yamlPath} (it has ${all.join(", ")})\n`);
      return EXIT_USAGE;
    }
  }
  // dataset.yaml may point train and val at the same folder: export each folder once.
  const done = new Set<string>();
  let written = 0;
  for (const split of wanted as (typeof all)[number][]) {
    const key = config[split].join("|");
    if (done.has(key)) continue;
    done.add(key);
    const { items, report } = await scanSplit(config[split], { nc: config.nc, split });
    printIssues(
      io,
      report.issues.filter((i) => i.code !== "PW7027" && i.code !== "PW7028"),
    );
    const files = await exportYoloToVoc(items, config.names, join(output, split), {
      coordinateBase: args.zeroBased ? 0 : 1,
    });
    io.stdout(
      `${split}: ${files.length} VOC files in ${join(output, split)}${report.corrupt ? ` (${report.corrupt} images dropped, see warnings)` : ""}\n`,
    );
    written += files.length;
  }
  return written > 0 ? EXIT_OK : EXIT_DIAGNOSTICS;
}
