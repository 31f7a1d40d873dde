import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { loadLlama, saveLlama } from "../../../runtime/llm/hf-io.js";
import { readSafetensorsHeader } from "../../../runtime/io/safetensors.js";
import { inspectModelDir } from "../../../compiler/world/model-dir.js";
import { attachLora } from "../../../runtime/llm/adapters/lora.js";
import {
  cpu,
  logitsOf,
  MODELS,
  randomIds,
  relError,
  smallModel,
  STUDENT,
  tempDir,
  TINY,
} from "./llm-test-helpers.js";

function thrown(fn: () => unknown): PipeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PipeError) return err;
    throw err;
  }
  throw new Error("expected a PipeError");
}

describe("loadLlama", () => {
  it("loads config, weights, tokenizer and generation config", () => {
    const model = loadLlama(TINY, { backend: cpu() });
    expect(model.arch.numKeyValueHeads).toBe(2);
    expect(model.tokenizer?.vocabSize).toBe(272);
    expect(model.eosTokenIds).toEqual([2]);
    expect(model.trainableParameters().size).toBe(0);
    const trainable = loadLlama(TINY, { backend: cpu(), trainable: true });
    expect(trainable.trainableParameters().size).toBe(model.parameters().size);
    trainable.dispose();
    model.dispose();
  });

  it("sharded and single-file copies of the same weights give the same logits", async () => {
    const ids = randomIds(1, 5, 272, 1);
    const a = loadLlama(STUDENT, { backend: cpu() });
    const b = loadLlama(path.join(MODELS, "tiny-llama-sharded"), { backend: cpu() });
    expect(relError(await logitsOf(b, ids), await logitsOf(a, ids))).toBe(0);
    a.dispose();
    b.dispose();
  });

  it("a shape that disagrees with config.json is a PipeError naming the tensor and the file", () => {
    const err = thrown(() =>
      loadLlama(path.join(MODELS, "tiny-llama-bad-shapes"), { backend: cpu() }),
    );
    expect(err.code).toBe("PW3005");
    expect(err.message).toContain("model.layers.0.mlp.up_proj.weight");
    expect(err.message).toContain("model.safetensors");
    expect(err.message).toContain("[48, 16]");
    expect(err.place.path).toMatch(/tiny-llama-bad-shapes[/\\]model\.safetensors$/);
  });

  it("a missing shard and a missing directory are PipeErrors", () => {
    expect(thrown(() => loadLlama(path.join(MODELS, "tiny-llama-missing-shard"))).code).toBe(
      "PW3015",
    );
    expect(thrown(() => loadLlama(path.join(MODELS, "no-such-model"))).code).toBe("PW3001");
    expect(thrown(() => loadLlama(path.join(MODELS, "llama-2-7b"))).code).toBe("PW3008");
  });
});

describe("saveLlama", () => {
  it("round-trips f32 exactly and f16/bf16 within their precision, with torch_dtype", async () => {
    const src = loadLlama(TINY, { backend: cpu() });
    const ids = randomIds(2, 6, 272, 2);
    const want = await logitsOf(src, ids);
    for (const [dtype, torch, tol] of [
      ["f32", "float32", 0],
      ["f16", "float16", 1e-2],
      ["bf16", "bfloat16", 5e-2],
    ] as const) {
      const dir = tempDir(dtype);
      await saveLlama(src, dir, { dtype });
      const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
      expect(config.torch_dtype).toBe(torch);
      for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"])
        expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
      const header = readSafetensorsHeader(path.join(dir, "model.safetensors"));
      expect(header.tensors.get("model.embed_tokens.weight")?.dtype).toBe(dtype.toUpperCase());
      expect(inspectModelDir(dir).issues.filter((i) => i.severity === "error")).toEqual([]);
      const back = loadLlama(dir, { backend: cpu() });
      const err = relError(await logitsOf(back, ids), want);
      if (tol === 0) expect(err).toBe(0);
      else expect(err).toBeLessThan(tol);
      back.dispose();
      fs.rmSync(dir, { recursive: true });
    }
    src.dispose();
  });

  it("an inline model writes a loadable directory; shards with an index when asked", async () => {
    const model = smallModel(cpu(), { tieWordEmbeddings: true });
    const ids = randomIds(1, 7, 40, 4);
    const dir = tempDir("inline");
    await saveLlama(model, dir, { maxShardBytes: 4000 });
    const index = JSON.parse(
      fs.readFileSync(path.join(dir, "model.safetensors.index.json"), "utf8"),
    );
    const shards = new Set(Object.values(index.weight_map));
    expect(shards.size).toBeGreaterThan(1);
    expect(fs.existsSync(path.join(dir, "model.safetensors"))).toBe(false);
    expect(Object.keys(index.weight_map)).not.toContain("lm_head.weight");
    const back = loadLlama(dir, { backend: cpu() });
    expect(back.arch.tieWordEmbeddings).toBe(true);
    expect(relError(await logitsOf(back, ids), await logitsOf(model, ids))).toBe(0);
    // Re-saving as one file removes the shards.
    await saveLlama(back, dir);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".safetensors"))).toEqual([
      "model.safetensors",
    ]);
    back.dispose();
    model.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  it("refuses a model with an adapter (merge or export the adapter instead)", async () => {
    const model = smallModel(cpu());
    attachLora(model, { rank: 2, alpha: 2, targets: ["q_proj"], seed: 1 });
    const dir = tempDir("refuse");
    await expect(saveLlama(model, dir)).rejects.toThrow(/saveMerged/);
    fs.rmSync(dir, { recursive: true });
    model.dispose();
  });
});
