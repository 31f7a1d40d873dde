import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  countParameters,
  expectedTensors,
  linearModules,
  parseLlamaConfig,
  type LlamaArchitecture,
} from "../../../compiler/world/llama-config.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const config = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(MODELS, name, "config.json"), "utf8"));
const arch = (name: string): LlamaArchitecture => {
  const r = parseLlamaConfig(config(name));
  expect(r.issues).toEqual([]);
  return r.arch!;
};

describe("parseLlamaConfig", () => {
  it("reads Llama-2-7B", () => {
    expect(arch("llama-2-7b")).toMatchObject({
      family: "llama",
      hiddenSize: 4096,
      intermediateSize: 11008,
      numHiddenLayers: 32,
      numAttentionHeads: 32,
      numKeyValueHeads: 32,
      headDim: 128,
      vocabSize: 32000,
      tieWordEmbeddings: false,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      maxPositionEmbeddings: 4096,
      torchDtype: "float16",
      qkvBias: false,
      qkNorm: false,
    });
    expect(arch("llama-2-7b").defaulted).toEqual([
      "head_dim",
      "rope_theta",
      "attention_bias",
      "mlp_bias",
    ]);
  });

  it("reads Qwen2 (q/k/v bias, GQA, tied) and Qwen3 (explicit head_dim, q/k norm)", () => {
    expect(arch("qwen2.5-0.5b")).toMatchObject({
      family: "qwen2",
      numKeyValueHeads: 2,
      headDim: 64,
      qkvBias: true,
      oBias: false,
      tieWordEmbeddings: true,
      ropeTheta: 1_000_000,
    });
    expect(arch("qwen3-0.6b")).toMatchObject({
      family: "qwen3",
      headDim: 128,
      qkNorm: true,
      qkvBias: false,
    });
  });

  it("counts parameters exactly", () => {
    expect(countParameters(arch("llama-2-7b"))).toBe(6_738_415_616);
    expect(countParameters(arch("llama-2-13b"))).toBe(13_015_864_320);
    expect(countParameters(arch("llama-30b"))).toBe(32_528_943_616);
    expect(countParameters(arch("llama-2-70b"))).toBe(68_976_648_192);
    expect(countParameters(arch("qwen2.5-0.5b"))).toBe(494_032_768);
    expect(countParameters(arch("qwen3-0.6b"))).toBe(596_049_920);
  });

  it("lists tensors and linear modules with Hugging Face names and shapes", () => {
    const a = arch("llama-2-70b");
    const tensors = expectedTensors(a);
    expect(tensors.length).toBe(1 + 80 * 9 + 1 + 1);
    expect(
      tensors.find((t) => t.name === "model.layers.79.self_attn.k_proj.weight")!.shape,
    ).toEqual([1024, 8192]);
    expect(tensors.find((t) => t.name === "model.layers.0.mlp.down_proj.weight")!.shape).toEqual([
      8192, 28672,
    ]);
    const mods = linearModules(a);
    expect(mods.length).toBe(80 * 7 + 1);
    expect(mods[3]).toMatchObject({
      name: "model.layers.0.self_attn.o_proj",
      outFeatures: 8192,
      inFeatures: 8192,
    });
    const q = expectedTensors(arch("qwen2.5-0.5b"))
      .filter((t) => t.layer === 0)
      .map((t) => t.name);
    expect(q).toContain("model.layers.0.self_attn.q_proj.bias");
    expect(q).not.toContain("model.layers.0.self_attn.o_proj.bias");
    expect(expectedTensors(arch("qwen2.5-0.5b")).some((t) => t.name === "lm_head.weight")).toBe(
      false,
    );
    expect(
      expectedTensors(arch("qwen3-0.6b")).find(
        (t) => t.name === "model.layers.3.self_attn.k_norm.weight",
      )!.shape,
    ).toEqual([128]);
  });
});

describe("bad config.json", () => {
  const base = (): Record<string, unknown> => config("llama-2-7b");

  it("reports every missing or malformed required field", () => {
    const c = base();
    delete c.hidden_size;
    c.num_hidden_layers = "32";
    c.vocab_size = -1;
    const r = parseLlamaConfig(c, "m/config.json");
    expect(r.arch).toBeUndefined();
    expect(r.issues.map((i) => [i.code, i.subject])).toEqual([
      ["PW3003", "hidden_size"],
      ["PW3003", "num_hidden_layers"],
      ["PW3003", "vocab_size"],
    ]);
    expect(r.issues[0].message).toBe("m/config.json: required field `hidden_size` is missing");
    expect(r.issues[0].path).toBe("m/config.json");
  });

  it("rejects inconsistent heads", () => {
    const c = { ...base(), num_key_value_heads: 5 };
    expect(parseLlamaConfig(c).issues[0].message).toMatch(
      /not a multiple of num_key_value_heads 5/,
    );
    const d = { ...base(), num_attention_heads: 30 };
    expect(parseLlamaConfig(d).issues[0]).toMatchObject({
      code: "PW3003",
      hint: "set `head_dim` explicitly",
    });
  });

  it("rejects non-Llama architectures with the supported list", () => {
    const r = parseLlamaConfig({
      model_type: "gpt2",
      architectures: ["GPT2LMHeadModel"],
      n_embd: 768,
    });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: "PW3004", subject: "model_type" });
    expect(r.issues[0].message).toMatch(/"gpt2" \(GPT2LMHeadModel\) is not a Llama-style decoder/);
    expect(r.issues[0].hint).toMatch(/llama, mistral, qwen2, qwen3/);
  });

  it("accepts a config with architectures but no model_type", () => {
    const c = base();
    delete c.model_type;
    expect(parseLlamaConfig(c).arch?.family).toBe("llama");
  });

  it("rejects a JSON value that is not an object", () => {
    expect(parseLlamaConfig([1, 2]).issues[0].message).toMatch(/not a JSON object/);
  });
});
