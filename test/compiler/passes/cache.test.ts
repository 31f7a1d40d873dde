/** Content hashes: deterministic, and changed by exactly what changes a node's result. */
import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash, fingerprint } from "../../../compiler/passes/cache.js";
import type { PipelineIr } from "../../../compiler/ir/schema.js";
import { TINY_LLAMA, alpacaRows, compileText, tempProject } from "../ir/compile-text.js";

const pipe = (opts: { rank?: number; lr?: string; cache?: boolean } = {}) => `
  pipeline "c" { seed: 1${opts.cache === false ? ", cache: false" : ""} }
  dataset d = alpaca("data.jsonl") { split { train: 90%, val: 10% } }
  model base = llama("${TINY_LLAMA}")
  adapter a = lora(base) { rank: ${opts.rank ?? 4}, targets: [q_proj, v_proj] }
  train run = sft(a, d.train) { max_steps: 5, optimizer: adamw { lr: ${opts.lr ?? "1e-3"} } }
  evaluate ev = eval(run, d.val) { metrics: [perplexity] }`;

const hashes = (ir: PipelineIr) => Object.fromEntries(ir.nodes.map((n) => [n.id, n.hash]));

function changed(a: PipelineIr, b: PipelineIr): string[] {
  const ha = hashes(a);
  return b.nodes.filter((n) => ha[n.id] !== n.hash).map((n) => n.id);
}

describe("content hashes", () => {
  it("are sha256 hex, deterministic, with cache keys from the hash", async () => {
    const dir = tempProject({ "data.jsonl": alpacaRows(40) });
    const a = await compileText(pipe(), { cwd: dir });
    const b = await compileText(pipe(), { cwd: dir });
    expect(hashes(b)).toEqual(hashes(a));
    for (const n of a.nodes) {
      expect(n.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(n.cacheKey).toBe(`${n.op}-${n.hash.slice(0, 16)}`);
      expect(n.annotations.cacheable).toBe(true);
    }
    expect(new Set(a.nodes.map((n) => n.hash)).size).toBe(a.nodes.length);
  });

  it("change for a node whose setting changes and everything downstream, nothing upstream", async () => {
    const dir = tempProject({ "data.jsonl": alpacaRows(40) });
    const base = await compileText(pipe(), { cwd: dir });
    expect(changed(base, await compileText(pipe({ rank: 8 }), { cwd: dir }))).toEqual([
      "a/attach-adapter",
      "run/train",
      "ev/evaluate",
    ]);
    expect(changed(base, await compileText(pipe({ lr: "2e-3" }), { cwd: dir }))).toEqual([
      "run/train",
      "ev/evaluate",
    ]);
  });

  it("change when an input file changes (size or modification time)", async () => {
    const dir = tempProject({ "data.jsonl": alpacaRows(40) });
    const before = await compileText(pipe(), { cwd: dir });
    appendFileSync(join(dir, "data.jsonl"), alpacaRows(1, 100));
    const grown = await compileText(pipe(), { cwd: dir });
    const downstreamOfData = [
      "d/load-dataset",
      "d/split",
      "d.train/tokenize@base",
      "run/train",
      "d.val/tokenize@base",
      "ev/evaluate",
    ];
    expect(changed(before, grown)).toEqual(downstreamOfData);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, "data.jsonl"), later, later);
    expect(changed(grown, await compileText(pipe(), { cwd: dir }))).toEqual(downstreamOfData);
  });

  it("change when a file of a model directory changes", async () => {
    const modelDir = join(tempProject({}), "m");
    mkdirSync(modelDir);
    for (const f of [
      "config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
    ]) {
      writeFileSync(join(modelDir, f), "x");
    }
    expect(fingerprint({ path: modelDir, directory: true }, "/").map((f) => f.path)).toEqual([
      `${modelDir}/config.json`,
      `${modelDir}/model.safetensors`,
      `${modelDir}/tokenizer.json`,
      `${modelDir}/tokenizer_config.json`,
    ]);
    const before = contentHash(
      { op: "load-model", settings: {}, inputs: [] },
      new Map(),
      fingerprint({ path: modelDir, directory: true }, "/"),
    );
    writeFileSync(join(modelDir, "model.safetensors"), "xy");
    const after = contentHash(
      { op: "load-model", settings: {}, inputs: [] },
      new Map(),
      fingerprint({ path: modelDir, directory: true }, "/"),
    );
    expect(after).not.toBe(before);
    rmSync(modelDir, { recursive: true });
    expect(fingerprint({ path: modelDir, directory: true }, "/")).toEqual([
      { path: modelDir, missing: true },
    ]);
  });

  it("do not depend on the key order of settings", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    const h = (settings: Record<string, number>) =>
      contentHash({ op: "split", settings, inputs: [] }, new Map(), []);
    expect(h({ a: 1, b: 2 })).toBe(h({ b: 2, a: 1 }));
    expect(h({ a: 1, b: 2 })).not.toBe(h({ a: 1, b: 3 }));
  });

  it("`cache: false` marks every node as not cacheable", async () => {
    const dir = tempProject({ "data.jsonl": alpacaRows(40) });
    const ir = await compileText(pipe({ cache: false }), { cwd: dir });
    expect(ir.nodes.every((n) => n.annotations.cacheable === false)).toBe(true);
  });
});
