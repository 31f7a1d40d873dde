/**
 * Record datasets (alpaca, sharegpt, preference, text) against their files: the file exists
 * (or a `generate:` block will create it — said as info), and its first `sample_rows` rows
 * parse and match the format's JSON Schema. Each bad row is reported with its place
 * (path:line) and reason; when most rows fail, the data is probably in another format, and the
 * check says which one. The sampled records feed the template and length checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Severity } from "../diagnostics/diagnostic.js";
import { WORLD } from "../diagnostics/codes/world.js";
import type { DatasetFormat } from "../../runtime/data/format/record.js";
import type { AnalyzedStage } from "../semantic/analyze.js";
import { suggestSimilar } from "../world/did-you-mean.js";
import { argumentSpan, settingSpan } from "./ast-spans.js";
import {
  diagnostic,
  displayPath,
  isUsablePath,
  resolvePath,
  tidyPaths,
  type WorldContext,
} from "./context.js";
import { settingValue } from "./lineage.js";
import { guessFormat, sampleRows, SampleError, type RowSample } from "./sample-rows.js";

export const RECORD_FORMATS: readonly string[] = ["alpaca", "sharegpt", "preference", "text"];

/** Bad rows reported one by one per dataset before the rest are summarised. */
const MAX_ROW_DIAGNOSTICS = 10;

/** What each built-in generator writes. */
export function generatorFormat(generate: unknown): string | undefined {
  if (generate === null || typeof generate !== "object") return undefined;
  const g = generate as { kind?: unknown; format?: unknown };
  switch (g.kind) {
    case "arithmetic_zh":
    case "categories_zh":
      return typeof g.format === "string" ? g.format : "text";
    case "chat_zh_en":
      return "sharegpt";
    case "noisy_instructions":
      return "alpaca";
    case "defects":
      return "yolo";
    default:
      return undefined;
  }
}

export interface DatasetFacts {
  stage: AnalyzedStage;
  /** Absolute path of the file (or dataset.yaml / VOC folder). */
  path: string;
  exists: boolean;
  /** The generator that creates the file when it is missing. */
  generator?: string;
  sample?: RowSample;
}

/**
 * Existence, generator and missing-file diagnostics shared by every dataset kind. Returns the
 * absolute path and whether it exists, or undefined when the path cannot be used at all.
 */
export function checkDatasetPath(
  ctx: WorldContext,
  stage: AnalyzedStage,
  what: string,
): { path: string; exists: boolean; generator?: string } | undefined {
  const written = stage.args.path;
  if (typeof written !== "string") return undefined;
  const span = argumentSpan(stage, "path");
  if (!isUsablePath(written)) {
    ctx.report(
      diagnostic(
        WORLD.datasetFileMissing,
        "error",
        span,
        `${JSON.stringify(written)} is not a usable path`,
      ),
    );
    return undefined;
  }
  const abs = resolvePath(ctx, written);
  const exists = fs.existsSync(abs);
  const generate = settingValue(stage, "generate");
  const generator =
    generate && typeof generate === "object" && !Array.isArray(generate)
      ? String((generate as { kind?: unknown }).kind)
      : undefined;
  const produces = generatorFormat(generate);
  if (generator && produces && produces !== stage.source) {
    ctx.report(
      diagnostic(
        WORLD.datasetGeneratorMismatch,
        "error",
        settingSpan(stage, "generate"),
        `\`generate: ${generator}\` writes ${produces} ${produces === "yolo" ? "data" : "records"}, but \`${stage.name}\` is ${stage.source}`,
        generator === "arithmetic_zh" || generator === "categories_zh"
          ? `set \`format: ${stage.source === "alpaca" ? "alpaca" : "text"}\` in the generator, or declare the dataset as \`${produces}(...)\``
          : `declare the dataset as \`${produces}(...)\``,
      ),
    );
  }
  if (exists) return { path: abs, exists, ...(generator ? { generator } : {}) };
  if (generator) {
    ctx.report(
      diagnostic(
        WORLD.datasetFileGenerated,
        "info",
        span,
        `${displayPath(ctx, abs)} does not exist yet; \`generate: ${generator}\` creates it at run time (and its contents are checked then)`,
      ),
    );
    return { path: abs, exists, generator };
  }
  ctx.report(
    diagnostic(
      WORLD.datasetFileMissing,
      "error",
      span,
      `${what} ${displayPath(ctx, abs)} does not exist`,
      missingHint(ctx, abs),
    ),
  );
  return { path: abs, exists };
}

/** "did you mean data/train.jsonl?" from the files next to the missing one. */
function missingHint(ctx: WorldContext, abs: string): string {
  let dir = path.dirname(abs);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  if (dir !== path.dirname(abs)) {
    return `${displayPath(ctx, path.dirname(abs))} does not exist either`;
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    names = [];
  }
  const close = suggestSimilar(path.basename(abs), names, 1);
  if (close.length) return `did you mean ${displayPath(ctx, path.join(dir, close[0]))}?`;
  return "add a `generate:` block to create the data, or fix the path";
}

function rowPlace(
  ctx: WorldContext,
  issue: { place: { path: string; line: number }; row?: number },
): string {
  const where = `${displayPath(ctx, issue.place.path)}:${issue.place.line}`;
  return issue.row !== undefined && issue.row !== issue.place.line
    ? `${where} (row ${issue.row})`
    : where;
}

function reportRows(
  ctx: WorldContext,
  stage: AnalyzedStage,
  file: string,
  sample: RowSample,
): void {
  const span = argumentSpan(stage, "path");
  const fail = settingValue(stage, "on_bad_row") === "fail";
  const severity: Severity = fail ? "error" : "warning";
  const hint = fail
    ? "with `on_bad_row: fail` the run stops at this row; fix it, or use `on_bad_row: skip` to drop and count bad rows"
    : "`on_bad_row: skip` drops and counts such rows at run time; fix the row to keep it";
  const bad = [
    ...sample.malformed.map((i) => ({ issue: i, code: WORLD.datasetRowMalformed })),
    ...sample.invalid.map((x) => ({ issue: x.issue, code: WORLD.datasetRowInvalid })),
  ].sort((a, b) => a.issue.place.line - b.issue.place.line);
  const mostlyInvalid = sample.invalid.length >= 2 && sample.invalid.length * 2 > sample.checked;
  const cap = mostlyInvalid ? 3 : MAX_ROW_DIAGNOSTICS;
  for (const { issue, code } of bad.slice(0, cap)) {
    ctx.report(
      diagnostic(
        code,
        severity,
        span,
        `${rowPlace(ctx, issue)}: ${tidyPaths(ctx, issue.message)}`,
        hint,
      ),
    );
  }
  if (bad.length > cap) {
    ctx.report(
      diagnostic(
        bad[cap].code,
        severity,
        span,
        `${displayPath(ctx, file)}: ${bad.length - cap} more bad row${bad.length - cap === 1 ? "" : "s"} among the first ${sample.checked}`,
      ),
    );
  }
  if (sample.checked === 0 && bad.length === 0) {
    ctx.report(
      diagnostic(WORLD.datasetEmpty, "warning", span, `${displayPath(ctx, file)} holds no rows`),
    );
  }
}

async function sampleDataset(
  ctx: WorldContext,
  stage: AnalyzedStage,
  file: string,
): Promise<RowSample | undefined> {
  const span = argumentSpan(stage, "path");
  const format = stage.source as DatasetFormat;
  const limit = Number(settingValue(stage, "sample_rows") ?? 200);
  const sourceFormat = settingValue(stage, "source_format");
  let sample: RowSample;
  try {
    if (fs.statSync(file).isDirectory()) {
      throw new SampleError(
        "is a folder, not a data file",
        "name a .jsonl, .json, .csv or .txt file",
      );
    }
    sample = await sampleRows(
      file,
      format,
      limit,
      typeof sourceFormat === "string" ? sourceFormat : undefined,
    );
  } catch (err) {
    if (!(err instanceof SampleError)) throw err;
    ctx.report(
      diagnostic(
        WORLD.datasetFileUnreadable,
        "error",
        span,
        `${displayPath(ctx, file)}: ${tidyPaths(ctx, err.message)}`,
        err.hint,
      ),
    );
    return undefined;
  }
  reportRows(ctx, stage, file, sample);
  if (sample.invalid.length >= 2 && sample.invalid.length * 2 > sample.checked) {
    const guess = await guessFormat(
      sample.invalid.map((x) => x.value),
      format,
    );
    ctx.report(
      diagnostic(
        WORLD.datasetFormatMismatch,
        "error",
        stage.node.source.kind === "Call" ? stage.node.source.callee.span : stage.node.name.span,
        `${sample.invalid.length} of the first ${sample.checked} rows of ${displayPath(ctx, file)} are not ${format} rows` +
          (guess ? `; they look like ${guess} rows` : ""),
        guess
          ? `declare the dataset as \`${guess}("${String(stage.args.path)}")\``
          : `${format} rows need ${FORMAT_FIELDS[format]}`,
      ),
    );
  }
  return sample;
}

const FORMAT_FIELDS: Record<DatasetFormat, string> = {
  alpaca: "`instruction` and `output` (and optionally `input`)",
  sharegpt: "`conversations`: a list of `{ from, value }`",
  preference: "`prompt` (or `instruction`), `chosen` and `rejected`",
  text: "`text`",
};

/** Checks every record dataset concurrently; returns what was found per dataset. */
export async function checkRecordDatasets(ctx: WorldContext): Promise<Map<string, DatasetFacts>> {
  const stages = [...ctx.pipeline.stages.values()].filter(
    (s) => s.kind === "dataset" && RECORD_FORMATS.includes(s.source),
  );
  const facts = await Promise.all(
    stages.map(async (stage): Promise<DatasetFacts | undefined> => {
      const found = checkDatasetPath(ctx, stage, "data file");
      if (!found) return undefined;
      const sample = found.exists ? await sampleDataset(ctx, stage, found.path) : undefined;
      return { stage, ...found, ...(sample ? { sample } : {}) };
    }),
  );
  return new Map(facts.filter((f) => f !== undefined).map((f) => [f.stage.name, f]));
}
