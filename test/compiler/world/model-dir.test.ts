import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inspectModelDir } from "../../../compiler/world/model-dir.js";
import { ALL_DIAGNOSTICS } from "../../../compiler/diagnostics/registry.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pw-modeldir-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const codes = (r: { issues: { code: string }[] }): string[] => r.issues.map((i) => i.code);

/** A copy of a fixture directory with config.json edited. */
function variant(name: string, from: string, edit: (c: Record<string, unknown>) => void): string {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(MODELS, from), dir, { recursive: true });
  const c = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  edit(c);
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(c));
  return dir;
}

describe("inspectModelDir on good directories", () => {
  it("tiny-llama: architecture, modules, headers agree, tokenizer", () => {
    const r = inspectModelDir(path.join(MODELS, "tiny-llama"), { readTokenizer: true });
    expect(r.issues).toEqual([]);
    expect(r.arch).toMatchObject({
      hiddenSize: 32,
      numHiddenLayers: 2,
      numKeyValueHeads: 2,
      vocabSize: 272,
    });
    expect(r.modules.map((m) => m.name).slice(0, 3)).toEqual([
      "model.layers.0.self_attn.q_proj",
      "model.layers.0.self_attn.k_proj",
      "model.layers.0.self_attn.v_proj",
    ]);
    expect(r.modules).toHaveLength(2 * 7 + 1);
    expect(r.weights).toMatchObject({ format: "single", headersRead: true });
    expect(r.weights.tensors.size).toBe(1 + 2 * 9 + 1 + 1);
    expect(r.weights.tensors.get("model.layers.1.self_attn.k_proj.weight")).toMatchObject({
      dtype: "F32",
      shape: [16, 32],
    });
    expect(r.tokenizer?.size).toBe(272);
  });

  it("tiny-llama-student (tied embeddings) and its sharded copy are clean", () => {
    expect(inspectModelDir(path.join(MODELS, "tiny-llama-student")).issues).toEqual([]);
    const sharded = inspectModelDir(path.join(MODELS, "tiny-llama-sharded"));
    expect(sharded.issues).toEqual([]);
    expect(sharded.weights.format).toBe("sharded");
    expect(sharded.weights.files).toHaveLength(2);
    expect(sharded.weights.tensors.get("model.norm.weight")!.file).toMatch(/model-00002-of-00002/);
  });

  it("works from config.json alone (planning): a warning, modules from the config", () => {
    const r = inspectModelDir(path.join(MODELS, "llama-2-7b"));
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([["PW3008", "warning"]]);
    expect(r.modules).toHaveLength(32 * 7 + 1);
    expect(r.weights.headersRead).toBe(false);
  });

  it("does not read headers when asked not to", () => {
    const r = inspectModelDir(path.join(MODELS, "tiny-llama-bad-shapes"), { readHeaders: false });
    expect(r.issues).toEqual([]);
    expect(r.weights.headersRead).toBe(false);
  });
});

describe("inspectModelDir on bad directories", () => {
  it("a tensor whose shape disagrees with config.json names the tensor and the file", () => {
    const dir = path.join(MODELS, "tiny-llama-bad-shapes");
    const r = inspectModelDir(dir);
    expect(codes(r)).toEqual(["PW3005"]);
    const file = path.join(dir, "model.safetensors");
    expect(r.shapeMismatches).toEqual([
      { tensor: "model.layers.0.mlp.up_proj.weight", file, expected: [32, 16], actual: [48, 16] },
    ]);
    expect(r.issues[0]).toMatchObject({
      severity: "error",
      path: file,
      subject: "model.layers.0.mlp.up_proj.weight",
    });
    expect(r.issues[0].message).toBe(
      `${file}: tensor \`model.layers.0.mlp.up_proj.weight\` has shape [48, 16] but config.json implies [32, 16]`,
    );
    expect(r.issues[0].hint).toMatch(/\[intermediate_size, hidden_size\]/);
  });

  it("a missing shard is one error naming the shard, not one per tensor", () => {
    const dir = path.join(MODELS, "tiny-llama-missing-shard");
    const r = inspectModelDir(dir);
    expect(codes(r)).toEqual(["PW3015"]);
    expect(r.issues[0].path).toBe(path.join(dir, "model-00002-of-00002.safetensors"));
    expect(r.missingTensors).toEqual([]);
  });

  it("config says more layers than the weights hold: missing tensors", () => {
    const dir = variant("more-layers", "tiny-llama-student", (c) => (c.num_hidden_layers = 2));
    const r = inspectModelDir(dir);
    expect(new Set(codes(r))).toEqual(new Set(["PW3006"]));
    expect(r.missingTensors.map((t) => t.name)).toContain("model.layers.1.self_attn.q_proj.weight");
    expect(r.missingTensors).toHaveLength(9);
    expect(r.issues[0].hint).toMatch(/num_hidden_layers = 2/);
  });

  it("config says fewer layers than the weights hold: a warning about unused tensors", () => {
    const dir = variant("fewer-layers", "tiny-llama", (c) => (c.num_hidden_layers = 1));
    const r = inspectModelDir(dir);
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([["PW3007", "warning"]]);
    expect(r.unexpectedTensors).toHaveLength(9);
    expect(r.issues[0].message).toMatch(/9 tensors not used/);
  });

  it("many mismatches are capped with a summary", () => {
    const dir = variant("wrong-hidden", "tiny-llama", (c) => {
      c.hidden_size = 48;
      c.head_dim = 12;
    });
    const r = inspectModelDir(dir);
    expect(r.shapeMismatches.length).toBe(20 + 1);
    expect(codes(r).filter((c) => c === "PW3005")).toHaveLength(21);
    expect(r.issues[20].message).toMatch(/1 more tensors disagree/);
  });

  it("a truncated safetensors file is reported, not thrown", () => {
    const dir = path.join(tmp, "truncated");
    fs.cpSync(path.join(MODELS, "tiny-llama-student"), dir, { recursive: true });
    const f = path.join(dir, "model.safetensors");
    fs.truncateSync(f, fs.statSync(f).size - 100);
    const r = inspectModelDir(dir);
    expect(codes(r)).toEqual(["PW3011"]);
    expect(r.issues[0].message).toMatch(/truncated|holds/);
    expect(r.issues[0].path).toBe(f);
  });

  it("missing directory, missing config.json, invalid JSON, unsupported architecture", () => {
    expect(codes(inspectModelDir(path.join(tmp, "nope")))).toEqual(["PW3001"]);
    const noConfig = path.join(tmp, "no-config");
    fs.mkdirSync(noConfig);
    expect(codes(inspectModelDir(noConfig))).toEqual(["PW3002", "PW3008"]);
    const badJson = path.join(tmp, "bad-json");
    fs.mkdirSync(badJson);
    fs.writeFileSync(path.join(badJson, "config.json"), "{ hidden_size: 4 ");
    expect(codes(inspectModelDir(badJson))).toEqual(["PW3003", "PW3008"]);
    const gpt2 = path.join(tmp, "gpt2");
    fs.mkdirSync(gpt2);
    fs.writeFileSync(path.join(gpt2, "config.json"), JSON.stringify({ model_type: "gpt2" }));
    expect(codes(inspectModelDir(gpt2))).toEqual(["PW3004", "PW3008"]);
  });

  it("a tokenizer with ids beyond vocab_size", () => {
    const dir = variant("small-vocab", "tiny-llama-other-vocab", (c) => (c.vocab_size = 200));
    const r = inspectModelDir(dir, { readTokenizer: true });
    expect(codes(r)).toEqual(["PW3008", "PW3032"]);
    expect(r.issues[1].message).toMatch(
      /ids up to 271 but config.json vocab_size is 200 \(72 tokens out of range/,
    );
  });

  it("every issue code used here is registered with the same severity", () => {
    const byCode = new Map(ALL_DIAGNOSTICS.map((e) => [e.code, e]));
    const r = inspectModelDir(path.join(MODELS, "tiny-llama-bad-shapes"));
    for (const i of r.issues) expect(byCode.get(i.code)?.severity).toBe(i.severity);
  });
});
