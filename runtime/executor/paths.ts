/**
 * Where a run reads and writes. Inputs written in a `.pipe` file are relative to the file's
 * folder. Outputs live under the pipeline's `output` directory: an export destination is
 * written relative to the file's folder too (`export run to "out/x/adapter"`), a file setting
 * such as `report: "inspection.json"` relative to the output directory. Either way a path that
 * leaves the output directory is refused unless the pipeline says `allow_outside_output: true`.
 * With `--output dir`, destinations inside the declared output directory move along with it.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { PipelineIr } from "../../compiler/ir/schema.js";
import { RUN_CODES } from "./types.js";

export interface RunPaths {
  /** Folder of the `.pipe` file. */
  pipeDir: string;
  /** The output directory (absolute). */
  outputDir: string;
  /** `<output>/.cache`. */
  cacheDir: string;
  allowOutside: boolean;
  /** An input path as written in the file, made absolute. */
  input(path: string): string;
  /** An export destination as written in the file (relative to its folder), checked. */
  destination(path: string): string;
  /** A file name relative to the output directory (`generations.jsonl`), checked. */
  outputFile(path: string): string;
  /** A path for messages: relative to the working directory when inside it. */
  display(absolute: string): string;
}

export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

export function createRunPaths(
  ir: PipelineIr,
  options: { pipeFile: string; cwd?: string; output?: string },
): RunPaths {
  const cwd = options.cwd ?? process.cwd();
  const pipeDir = dirname(resolve(cwd, options.pipeFile));
  const declared = resolve(pipeDir, ir.pipeline.settings.output);
  const outputDir = options.output !== undefined ? resolve(cwd, options.output) : declared;
  const allowOutside = ir.pipeline.settings.allow_outside_output === true;
  const display = (absolute: string) => {
    const rel = relative(cwd, absolute);
    return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : absolute;
  };
  const check = (written: string, absolute: string): string => {
    if (allowOutside || isInside(outputDir, absolute)) return absolute;
    throw new PipeError(
      RUN_CODES.outsideOutput,
      `output path \`${written}\` is outside the output directory ${display(outputDir)}`,
      { path: absolute },
      "write under the pipeline's `output` directory, or set `allow_outside_output: true` in the pipeline block",
    );
  };
  return {
    pipeDir,
    outputDir,
    cacheDir: resolve(outputDir, ".cache"),
    allowOutside,
    input: (path) => resolve(pipeDir, path),
    destination: (path) => {
      let absolute = resolve(pipeDir, path);
      // Moved along with `--output` when it was inside the declared output directory.
      if (outputDir !== declared && isInside(declared, absolute))
        absolute = resolve(outputDir, relative(declared, absolute));
      return check(path, absolute);
    },
    outputFile: (path) => check(path, resolve(outputDir, path)),
    display,
  };
}
