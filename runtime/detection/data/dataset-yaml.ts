/**
 * Ultralytics-compatible `dataset.yaml`: `path`, `train`, `val`, `test`; `names` as a list or an
 * index→name map and/or `nc`. Every problem is collected with the key and its line so the
 * compiler can show them all; `loadDatasetYaml` throws the first as a PipeError.
 *
 * Path resolution follows Ultralytics' `check_det_dataset`: the root is `path`, or the yaml's
 * folder when `path` is absent; `train`/`val`/`test` entries (a string or a list) are joined to
 * the root; a string starting with `../` that does not exist is retried without it. One
 * deliberate difference: a relative `path` is taken from the yaml's folder first (then the
 * working directory, then nothing) — Ultralytics looks in the working directory and its global
 * datasets folder, which would make a pipeline's meaning depend on where it was started.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type Pair,
} from "yaml";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";

export type SplitName = "train" | "val" | "test";

export interface DetectionDatasetConfig {
  /** Absolute path of the yaml file. */
  yamlPath: string;
  /** The dataset root every relative entry was joined to. */
  root: string;
  /** Resolved absolute folders and `.txt` image lists per split ([] when absent). */
  train: string[];
  val: string[];
  test: string[];
  /** Class names; the index is the class id. */
  names: string[];
  nc: number;
  /** Where each key sits in the yaml (1-based), for diagnostics that point back at it. */
  keyLines: Partial<Record<string, { line: number; column: number }>>;
}

export interface DatasetYamlProblem extends DataIssue {
  /** The yaml key at fault (`names`, `nc`, `train`, ...). */
  key?: string;
}

export interface DatasetYamlOptions {
  /** Working directory for the `path` fallback (default `process.cwd()`). */
  cwd?: string;
  /** Check that the root and every split source exist (default true). */
  checkPaths?: boolean;
}

export interface DatasetYamlResult {
  config?: DetectionDatasetConfig;
  problems: DatasetYamlProblem[];
}

/** Read, parse and check a dataset.yaml, collecting every problem. */
export function checkDatasetYaml(
  yamlPath: string,
  options: DatasetYamlOptions = {},
): DatasetYamlResult {
  const abs = resolve(options.cwd ?? process.cwd(), yamlPath);
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : String(err);
    return {
      problems: [
        { code: DET.yamlUnreadable, path: abs, message: `cannot read dataset.yaml: ${why}` },
      ],
    };
  }
  return parseDatasetYaml(text, abs, options);
}

/** Throwing form: the config, or a PipeError for the first problem (path, line and key). */
export function loadDatasetYaml(
  yamlPath: string,
  options: DatasetYamlOptions = {},
): DetectionDatasetConfig {
  const { config, problems } = checkDatasetYaml(yamlPath, options);
  if (problems.length > 0 || !config) throw problemToError(problems[0]);
  return config;
}

export function problemToError(p: DatasetYamlProblem): PipeError {
  return new PipeError(p.code, p.message, { path: p.path, line: p.line, column: p.column }, p.hint);
}

/** Parse dataset.yaml text that lives at `yamlPath` (used for resolving relative paths). */
export function parseDatasetYaml(
  text: string,
  yamlPath: string,
  options: DatasetYamlOptions = {},
): DatasetYamlResult {
  const problems: DatasetYamlProblem[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return line > 0 ? { line, column: col } : {};
  };
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      problems.push({
        code: DET.yamlSyntax,
        path: yamlPath,
        ...at(e.pos[0]),
        message: `dataset.yaml is not valid YAML: ${e.message.split("\n")[0]}`,
      });
    }
    return { problems };
  }
  const top = doc.contents;
  if (!isMap(top)) {
    problems.push({
      code: DET.yamlSyntax,
      path: yamlPath,
      ...at(0),
      message: "dataset.yaml must be a mapping of keys (`train:`, `val:`, `names:`, ...)",
    });
    return { problems };
  }

  // key → its pair (node positions) and plain JS value.
  const pairs = new Map<string, Pair>();
  for (const item of top.items) {
    if (isScalar(item.key)) pairs.set(String(item.key.value), item as Pair);
  }
  const keyLines: DetectionDatasetConfig["keyLines"] = {};
  for (const [k, pair] of pairs) {
    const pos = at((pair.key as YamlNode).range?.[0]);
    if (pos.line !== undefined) keyLines[k] = { line: pos.line, column: pos.column ?? 1 };
  }
  const value = (k: string): unknown => {
    const v = pairs.get(k)?.value;
    return v === null || v === undefined ? undefined : (v as YamlNode).toJSON();
  };
  const where = (k: string, onValue = true) => {
    const pair = pairs.get(k);
    const node = (onValue && pair?.value ? pair.value : pair?.key) as YamlNode | undefined;
    return at(node?.range?.[0]);
  };
  const problem = (
    code: string,
    k: string | undefined,
    message: string,
    hint?: string,
    onValue = true,
  ) => {
    problems.push({
      code,
      path: yamlPath,
      key: k,
      ...(k ? where(k, onValue) : {}),
      message: k ? `dataset.yaml key \`${k}\`: ${message}` : `dataset.yaml: ${message}`,
      ...(hint ? { hint } : {}),
    });
  };

  // Ultralytics renames `validation` to `val`.
  const valKey = pairs.has("val") || !pairs.has("validation") ? "val" : "validation";

  // --- classes ---------------------------------------------------------------------------
  const namesRaw = value("names");
  const ncRaw = value("nc");
  let names: string[] | undefined;
  let nc: number | undefined;
  if (ncRaw !== undefined) {
    if (typeof ncRaw !== "number" || !Number.isInteger(ncRaw) || ncRaw < 1) {
      problem(DET.yamlBadValue, "nc", `must be a positive integer, got ${JSON.stringify(ncRaw)}`);
    } else nc = ncRaw;
  }
  if (namesRaw !== undefined)
    names = readNames(namesRaw, (code, msg, hint) => problem(code, "names", msg, hint));
  if (namesRaw === undefined && ncRaw === undefined) {
    problem(
      DET.yamlMissingKey,
      undefined,
      "either `names` or `nc` is required",
      "add `names: [scratch, crack, ...]` (the index is the class id)",
    );
  }
  if (names && nc !== undefined && names.length !== nc) {
    problem(
      DET.namesNcMismatch,
      "names",
      `lists ${names.length} class${names.length === 1 ? "" : "es"} but \`nc: ${nc}\``,
      "make `nc` equal to the number of names, or drop `nc`",
    );
  }
  if (!names && nc !== undefined && namesRaw === undefined)
    names = Array.from({ length: nc }, (_, i) => `class_${i}`);

  // --- paths -----------------------------------------------------------------------------
  const cwd = options.cwd ?? process.cwd();
  const checkPaths = options.checkPaths ?? true;
  const yamlDir = dirname(yamlPath);
  let root = yamlDir;
  const pathRaw = value("path");
  if (pathRaw !== undefined && pathRaw !== "") {
    if (typeof pathRaw !== "string")
      problem(DET.yamlBadValue, "path", `must be a folder path, got ${JSON.stringify(pathRaw)}`);
    else if (isAbsolute(pathRaw)) root = pathRaw;
    else {
      const fromYaml = resolve(yamlDir, pathRaw);
      const fromCwd = resolve(cwd, pathRaw);
      root = existsSync(fromYaml) || !existsSync(fromCwd) ? fromYaml : fromCwd;
    }
    if (typeof pathRaw === "string" && checkPaths && !existsSync(root)) {
      problem(
        DET.pathNotFound,
        "path",
        `dataset root ${root} does not exist`,
        "`path` is relative to the folder of dataset.yaml; or leave it out to use that folder",
      );
    }
  }

  const splits: Record<SplitName, string[]> = { train: [], val: [], test: [] };
  for (const [split, key] of [
    ["train", "train"],
    ["val", valKey],
    ["test", "test"],
  ] as const) {
    const raw = value(key);
    if (raw === undefined || raw === "") {
      if (split !== "test")
        problem(
          DET.yamlMissingKey,
          undefined,
          `\`${split}\` is required (a folder, a .txt image list, or a list of them)`,
          `add \`${split}: images/${split}\``,
        );
      continue;
    }
    const entries = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (
      !entries ||
      entries.length === 0 ||
      entries.some((e) => typeof e !== "string" || e === "")
    ) {
      problem(
        DET.yamlBadValue,
        key,
        `must be a folder or .txt list path, or a list of them; got ${JSON.stringify(raw)}`,
      );
      continue;
    }
    for (const entry of entries as string[]) {
      let p = isAbsolute(entry) ? entry : resolve(root, entry);
      if (typeof raw === "string" && !existsSync(p) && entry.startsWith("../")) {
        const retry = resolve(root, entry.slice(3));
        if (existsSync(retry)) p = retry;
      }
      if (checkPaths && !existsSync(p)) {
        problem(
          DET.pathNotFound,
          key,
          `${p} does not exist`,
          `entries are relative to the dataset root ${root}`,
        );
      }
      splits[split].push(p);
    }
  }

  if (problems.length > 0 || !names) return { problems };
  return {
    config: { yamlPath, root, ...splits, names, nc: names.length, keyLines },
    problems,
  };
}

/** `names` as a list, or a map whose keys are exactly 0..n-1 (Ultralytics `check_class_names`). */
function readNames(
  raw: unknown,
  report: (code: string, message: string, hint?: string) => void,
): string[] | undefined {
  const asName = (v: unknown): string | undefined =>
    typeof v === "string"
      ? v
      : typeof v === "number" || typeof v === "boolean"
        ? String(v)
        : undefined;
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      report(DET.yamlBadValue, "is an empty list; a dataset needs at least one class");
      return undefined;
    }
    const out: string[] = [];
    for (let i = 0; i < raw.length; i++) {
      const n = asName(raw[i]);
      if (n === undefined) {
        report(DET.yamlBadValue, `entry ${i} is not a class name (${JSON.stringify(raw[i])})`);
        return undefined;
      }
      out.push(n);
    }
    return out;
  }
  if (raw !== null && typeof raw === "object") {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length === 0) {
      report(DET.yamlBadValue, "is an empty map; a dataset needs at least one class");
      return undefined;
    }
    const out: string[] = new Array(entries.length);
    const bad: string[] = [];
    for (const [k, v] of entries) {
      const idx = /^\d+$/.test(k.trim()) ? Number(k.trim()) : NaN;
      const n = asName(v);
      if (n === undefined) {
        report(DET.yamlBadValue, `class ${k} has no name (${JSON.stringify(v)})`);
        return undefined;
      }
      if (!Number.isInteger(idx) || idx >= entries.length || out[idx] !== undefined) bad.push(k);
      else out[idx] = n;
    }
    if (bad.length > 0) {
      report(
        DET.classIndexInvalid,
        `a ${entries.length}-class dataset needs class indices 0-${entries.length - 1}, but has ${bad.map((b) => JSON.stringify(b)).join(", ")}`,
        "number the classes 0, 1, 2, ... without gaps",
      );
      return undefined;
    }
    return out;
  }
  report(
    DET.yamlBadValue,
    `must be a list of class names or an index→name map, got ${JSON.stringify(raw)}`,
  );
  return undefined;
}

/** dataset.yaml text for a dataset (names as an index map, like the seed's example). */
export function formatDatasetYaml(fields: {
  path?: string;
  train: string | string[];
  val: string | string[];
  test?: string | string[];
  names: readonly string[];
}): string {
  // Plain only when every YAML reader takes it as the same string: PyYAML (YAML 1.1, what
  // Ultralytics uses) reads `yes`, `off`, `null`, `1e3` as other types.
  const plain = (v: string) =>
    /^[A-Za-z_./][\w./-]*$/.test(v) && !/^(y|n|yes|no|on|off|true|false|null|nan|inf)$/i.test(v);
  const quote = (v: string) => (plain(v) ? v : JSON.stringify(v));
  const entry = (k: string, v: string | string[]) =>
    Array.isArray(v)
      ? `${k}:\n${v.map((x) => `  - ${quote(x)}`).join("\n")}\n`
      : `${k}: ${quote(v)}\n`;
  let out = "";
  if (fields.path !== undefined) out += entry("path", fields.path);
  out += entry("train", fields.train);
  out += entry("val", fields.val);
  if (fields.test !== undefined) out += entry("test", fields.test);
  out += `\nnc: ${fields.names.length}\nnames:\n`;
  fields.names.forEach((n, i) => (out += `  ${i}: ${quote(n)}\n`));
  return out;
}
