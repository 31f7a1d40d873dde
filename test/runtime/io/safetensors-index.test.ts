import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import {
  locateWeights,
  openModelWeights,
  readModelTensor,
  readShardIndex,
} from "../../../runtime/io/safetensors-index.js";
import { readSafetensors, tensorToFloat32 } from "../../../runtime/io/safetensors.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pw-index-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function catchPipe(fn: () => unknown): PipeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PipeError);
    return err as PipeError;
  }
  throw new Error("expected a PipeError");
}

function dirWithIndex(name: string, index: unknown): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "model.safetensors.index.json"),
    typeof index === "string" ? index : JSON.stringify(index),
  );
  return dir;
}

describe("sharded checkpoints", () => {
  it("maps every tensor to its shard and reads the same values as the single-file model", () => {
    const dir = path.join(MODELS, "tiny-llama-sharded");
    const w = openModelWeights(dir);
    expect(w.format).toBe("sharded");
    expect(w.headers.size).toBe(2);
    const single = readSafetensors(path.join(MODELS, "tiny-llama-student", "model.safetensors"));
    expect(new Set(w.tensors.keys())).toEqual(new Set(single.tensors.keys()));
    expect(w.tensors.get("model.embed_tokens.weight")!.file).toBe(
      path.join(dir, "model-00001-of-00002.safetensors"),
    );
    expect(w.tensors.get("model.norm.weight")!.file).toBe(
      path.join(dir, "model-00002-of-00002.safetensors"),
    );
    for (const [name, t] of single.tensors) {
      expect(tensorToFloat32(readModelTensor(w, name))).toEqual(tensorToFloat32(t));
    }
  });

  it("reads the index: metadata and weight_map", () => {
    const idx = readShardIndex(
      path.join(MODELS, "tiny-llama-sharded", "model.safetensors.index.json"),
    );
    expect(idx.shards).toEqual([
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
    ]);
    expect(typeof idx.metadata.total_size).toBe("number");
    expect(idx.weightMap.get("lm_head.weight")).toBeUndefined(); // the student ties embeddings
  });

  it("a missing shard names the shard and what it should hold", () => {
    const e = catchPipe(() => openModelWeights(path.join(MODELS, "tiny-llama-missing-shard")));
    expect(e.code).toBe("PW3015");
    expect(e.place.path).toBe(
      path.join(MODELS, "tiny-llama-missing-shard", "model-00002-of-00002.safetensors"),
    );
    expect(e.message).toMatch(/should hold \d+ tensors, e\.g\. `model\./);
  });

  it("an index that is not JSON, has no weight_map, or escapes the directory is PW3014", () => {
    for (const [name, index, text] of [
      ["notjson", "{ nope", /not valid JSON/],
      ["nomap", { metadata: {} }, /no `weight_map`/],
      ["escape", { weight_map: { a: "../../etc/passwd" } }, /outside the model directory/],
      ["badentry", { weight_map: { a: 7 } }, /not a file name/],
    ] as const) {
      const dir = dirWithIndex(name, index);
      const e = catchPipe(() => openModelWeights(dir));
      expect(e.code, name).toBe("PW3014");
      expect(e.message).toMatch(text);
      expect(e.place.path).toBe(path.join(dir, "model.safetensors.index.json"));
    }
  });

  it("an index that maps a tensor to a shard without it is PW3014", () => {
    const src = path.join(MODELS, "tiny-llama-sharded");
    const index = JSON.parse(
      fs.readFileSync(path.join(src, "model.safetensors.index.json"), "utf8"),
    );
    index.weight_map["model.norm.weight"] = "model-00001-of-00002.safetensors";
    const dir = dirWithIndex("wrongshard", index);
    for (const f of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) {
      fs.copyFileSync(path.join(src, f), path.join(dir, f));
    }
    const e = catchPipe(() => openModelWeights(dir));
    expect(e.code).toBe("PW3014");
    expect(e.message).toMatch(/`model\.norm\.weight` to model-00001-of-00002\.safetensors/);
  });

  it("locates single, sharded and absent weights", () => {
    expect(locateWeights(path.join(MODELS, "tiny-llama")).format).toBe("single");
    expect(locateWeights(path.join(MODELS, "tiny-llama-sharded")).format).toBe("sharded");
    const other = path.join(tmp, "other-name");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "consolidated.safetensors"), "");
    const layout = locateWeights(other);
    expect(layout).toMatchObject({
      format: "none",
      otherSafetensors: ["consolidated.safetensors"],
    });
    const e = catchPipe(() => openModelWeights(other));
    expect(e.code).toBe("PW3010");
    expect(e.hint).toMatch(/consolidated\.safetensors/);
  });
});
