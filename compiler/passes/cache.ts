/**
 * Caching support: a content hash per node. The hash covers the operation, its settings, the
 * hashes of the nodes it reads (so a change anywhere upstream reaches every node downstream)
 * and a fingerprint of every file it reads — size and modification time, or "missing".
 * A node whose hash is unchanged since the last run can reuse its cached result; `cacheKey`
 * names that result (`train-3fa9…`).
 *
 * Fingerprints are size + mtime, not content digests: hashing multi-gigabyte weights on every
 * compile would cost more than the cache saves. Directories (model directories, image folders)
 * are fingerprinted by the regular files directly inside them. A file that a `generate:` block
 * creates is "missing" before the first run and present after it, so nodes that read it get a
 * new hash once; from then on the hash is stable.
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync, type Stats } from "node:fs";
import { posix, resolve } from "node:path";
import type { DraftGraph, DraftNode, DraftRead } from "../ir/draft.js";
import type { FileFingerprint } from "../ir/schema-values.js";
import { IR_VERSION } from "../ir/schema.js";
import type { Json } from "../settings/spec.js";

export interface NodeHash {
  hash: string;
  cacheKey: string;
  files: FileFingerprint[];
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The fingerprints of one read, relative paths as written in the file. */
export function fingerprint(read: DraftRead, baseDir: string): FileFingerprint[] {
  const absolute = resolve(baseDir, read.path);
  const info = statOrUndefined(absolute);
  if (!info) return [{ path: read.path, missing: true }];
  if (!info.isDirectory()) {
    return [{ path: read.path, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) }];
  }
  let names: string[];
  try {
    names = readdirSync(absolute).sort();
  } catch {
    return [{ path: read.path, missing: true }];
  }
  const out: FileFingerprint[] = [];
  for (const name of names) {
    const entry = statOrUndefined(resolve(absolute, name));
    if (!entry?.isFile()) continue;
    out.push({
      path: posix.join(read.path, name),
      size: entry.size,
      mtimeMs: Math.trunc(entry.mtimeMs),
    });
  }
  return out;
}

export function contentHash(
  node: Pick<DraftNode, "op" | "settings" | "inputs">,
  inputHashes: ReadonlyMap<string, string>,
  files: readonly FileFingerprint[],
): string {
  const payload = {
    ir: IR_VERSION,
    op: node.op,
    settings: node.settings as Json,
    inputs: node.inputs.map((i) => ({
      port: i.port,
      output: i.output ?? null,
      hash: inputHashes.get(i.node) ?? `missing:${i.node}`,
    })),
    files,
  };
  return createHash("sha256").update(canonicalJson(payload)).digest("hex");
}

/** Hashes every node; the graph must be in execution order (inputs before readers). */
export function hashNodes(graph: DraftGraph, baseDir: string): Map<string, NodeHash> {
  const hashes = new Map<string, string>();
  const out = new Map<string, NodeHash>();
  for (const node of graph.nodes) {
    const files = node.reads.flatMap((r) => fingerprint(r, baseDir));
    const hash = contentHash(node, hashes, files);
    hashes.set(node.id, hash);
    out.set(node.id, { hash, cacheKey: `${node.op}-${hash.slice(0, 16)}`, files });
  }
  return out;
}
