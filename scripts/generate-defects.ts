/**
 * Generate the synthetic surface-defect dataset (YOLO format) used by the detection example:
 *
 *   npx tsx scripts/generate-defects.ts --out data/defects --seed 42 --train 400 --val 100 --imgsz 160
 *
 * A thin wrapper over runtime/detection/data/synthetic-defects.ts. Deterministic for a seed.
 */
import { parseArgs } from "node:util";
import { isPipeError } from "../compiler/diagnostics/pipe-error.js";
import { generateDefectDataset } from "../runtime/detection/data/synthetic-defects.js";

const USAGE = `usage: npx tsx scripts/generate-defects.ts --out DIR [--seed 42] [--train 400] [--val 100]
       [--test 0] [--imgsz 160] [--defect-free 0.15] [--max-defects 4]`;

function int(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer, got \`${v}\``);
  return n;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: "string" },
        seed: { type: "string" },
        train: { type: "string" },
        val: { type: "string" },
        test: { type: "string" },
        imgsz: { type: "string" },
        "defect-free": { type: "string" },
        "max-defects": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.out) {
    console.error(`--out is required\n${USAGE}`);
    return 2;
  }
  try {
    const defectFree = args["defect-free"] === undefined ? undefined : Number(args["defect-free"]);
    const summary = await generateDefectDataset({
      outDir: args.out,
      seed: int("seed", args.seed, 42),
      train: int("train", args.train, 400),
      val: int("val", args.val, 100),
      test: int("test", args.test, 0),
      imgsz: int("imgsz", args.imgsz, 160),
      ...(defectFree !== undefined ? { defectFreeFraction: defectFree } : {}),
      ...(args["max-defects"] !== undefined
        ? { maxDefects: int("max-defects", args["max-defects"], 4) }
        : {}),
    });
    for (const split of ["train", "val", "test"] as const) {
      if (summary.images[split] === 0) continue;
      const per = summary.names.map((n, i) => `${n} ${summary.boxesPerClass[split][i]}`).join(", ");
      console.log(
        `${split}: ${summary.images[split]} images (${summary.defectFree[split]} defect-free); boxes: ${per}`,
      );
    }
    console.log(`wrote ${summary.yamlPath} in ${summary.seconds.toFixed(2)} s`);
    return 0;
  } catch (err) {
    if (isPipeError(err)) {
      console.error(`error[${err.code}]: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ""}`);
      return 1;
    }
    if (err instanceof Error && err.message.startsWith("--")) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main();
