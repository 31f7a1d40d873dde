/**
 * The stage cache: `<output>/.cache/<cacheKey>/` holds a node's result and, written last, its
 * `manifest.json`. An entry is written in a temporary folder and renamed into place, so a
 * crash or Ctrl-C never leaves a half-written entry that looks complete.
 *
 * The key is the compiler's content hash recomputed at run time: the files a node reads are
 * fingerprinted again when it is about to run, because an earlier node of the same run may
 * have just created them (generated data). With nothing changed it equals the IR's `cacheKey`.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { contentHash, fingerprint } from "../../compiler/passes/cache.js";
import type { FileFingerprint } from "../../compiler/ir/schema-values.js";
import type { IrNode } from "../../compiler/ir/schema.js";
import type { CacheManifest } from "./types.js";

export const MANIFEST = "manifest.json";

/** Fingerprints of the node's files as they are now (paths relative to the `.pipe` folder). */
export function currentFiles(node: IrNode, pipeDir: string): FileFingerprint[] {
  const seen = new Set<string>();
  const out: FileFingerprint[] = [];
  for (const f of node.files) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    out.push(...fingerprint({ path: f.path }, pipeDir));
  }
  return out;
}

/** The node's content hash now, given the run-time hashes of the nodes it reads. */
export function runtimeHash(
  node: IrNode,
  inputHashes: ReadonlyMap<string, string>,
  pipeDir: string,
): string {
  return contentHash(
    { op: node.op, settings: node.settings as never, inputs: node.inputs },
    inputHashes,
    currentFiles(node, pipeDir),
  );
}

export function cacheKeyOf(node: IrNode, hash: string): string {
  return hash === node.hash ? node.cacheKey : `${node.op}-${hash.slice(0, 16)}`;
}

export type ManifestRead =
  | { state: "missing" }
  | { state: "ok"; manifest: CacheManifest }
  | { state: "bad"; reason: string };

export function readManifest(entryDir: string, cacheKey: string): ManifestRead {
  const path = join(entryDir, MANIFEST);
  if (!existsSync(path)) return { state: "missing" };
  try {
    const m = JSON.parse(readFileSync(path, "utf8")) as CacheManifest;
    if (m.version !== 1 || m.cacheKey !== cacheKey)
      return { state: "bad", reason: "the manifest belongs to another entry" };
    return { state: "ok", manifest: m };
  } catch (err) {
    return { state: "bad", reason: `unreadable manifest (${(err as Error).message})` };
  }
}

/** Whether every file an entry lists still has the size it was written with. */
export function filesIntact(manifest: CacheManifest): boolean {
  for (const f of manifest.files ?? []) {
    try {
      if (statSync(f.path).size !== f.size) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Writes an entry: `fill` puts the payload in a fresh temporary folder, then the manifest is
 * written and the folder renamed to `<cacheDir>/<cacheKey>`. On failure the folder is removed.
 */
export async function writeCacheEntry(
  cacheDir: string,
  manifest: CacheManifest,
  fill: (dir: string) => Promise<void>,
): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = join(
    cacheDir,
    `.tmp-${manifest.cacheKey}-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  const final = join(cacheDir, manifest.cacheKey);
  try {
    await mkdir(tmp, { recursive: true });
    await fill(tmp);
    await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + "\n", "utf8");
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return final;
}

export async function removeCacheEntry(entryDir: string): Promise<void> {
  await rm(entryDir, { recursive: true, force: true });
}
