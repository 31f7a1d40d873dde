import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  linearModules,
  parseLlamaConfig,
  type LinearModule,
} from "../../../compiler/world/llama-config.js";
import { checkRank, formatLayerList, matchTargets } from "../../../compiler/world/targets.js";
import { editDistance, suggestSimilar } from "../../../compiler/world/did-you-mean.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const modulesOf = (name: string): LinearModule[] =>
  linearModules(
    parseLlamaConfig(JSON.parse(fs.readFileSync(path.join(MODELS, name, "config.json"), "utf8")))
      .arch!,
  );

const llama7b = modulesOf("llama-2-7b");
const tiny = modulesOf("tiny-llama");

describe("matchTargets", () => {
  it("short names cover every layer", () => {
    const r = matchTargets(llama7b, ["q_proj", "v_proj"]);
    expect(r.issues).toEqual([]);
    expect(r.modules).toHaveLength(64);
    expect(r.targets.map((t) => [t.target, t.kind, t.coverage, t.matches.length])).toEqual([
      ["q_proj", "name", "full", 32],
      ["v_proj", "name", "full", 32],
    ]);
    expect(r.targets[0].layers).toEqual([...Array(32).keys()]);
  });

  it("dotted suffixes and full names follow PEFT's suffix rule", () => {
    expect(matchTargets(tiny, ["self_attn.o_proj"]).modules.map((m) => m.name)).toEqual([
      "model.layers.0.self_attn.o_proj",
      "model.layers.1.self_attn.o_proj",
    ]);
    const one = matchTargets(tiny, ["model.layers.1.mlp.down_proj"]);
    expect(one.modules.map((m) => m.layer)).toEqual([1]);
    expect(one.targets[0].coverage).toBe("partial");
    expect(matchTargets(tiny, ["proj"]).targets[0].coverage).toBe("none"); // no partial-word matches
    expect(matchTargets(tiny, ["q_proj.weight"]).modules).toHaveLength(2);
  });

  it("a target matching some layers only is a warning naming the missing layers", () => {
    const r = matchTargets(llama7b, ["layers\\.([0-9]|1[0-5])\\.self_attn\\.q_proj"], {
      adapter: "lora `a`",
    });
    expect(r.targets[0]).toMatchObject({ kind: "pattern", coverage: "partial" });
    expect(r.targets[0].layers).toEqual([...Array(16).keys()]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: "PW3021", severity: "warning" });
    expect(r.issues[0].message).toBe(
      "lora `a`: target `layers\\.([0-9]|1[0-5])\\.self_attn\\.q_proj` matches 16 of 32 layers (none in layers 16-31)",
    );
  });

  it("a target matching nothing is an error with did-you-mean", () => {
    const r = matchTargets(llama7b, ["q_prj", "query", "c_attn", "zzzzzz"]);
    expect(r.issues.map((i) => i.code)).toEqual(["PW3020", "PW3020", "PW3020", "PW3020"]);
    expect(r.targets.map((t) => t.suggestions[0])).toEqual([
      "q_proj",
      "q_proj",
      "q_proj, k_proj, v_proj",
      undefined,
    ]);
    expect(r.issues[0].hint).toMatch(/^did you mean `q_proj`\? modules: q_proj, k_proj/);
    expect(r.issues[3].hint).toMatch(/^modules: /);
  });

  it("regex, glob, all-linear and lm_head", () => {
    expect(matchTargets(llama7b, [".*_proj"]).modules).toHaveLength(224);
    expect(matchTargets(llama7b, ["*.mlp.*"]).modules).toHaveLength(96); // not a regex → glob
    expect(matchTargets(llama7b, ["(gate|up)_proj"]).modules).toHaveLength(64);
    const all = matchTargets(llama7b, ["all-linear"]);
    expect(all.targets[0]).toMatchObject({ kind: "all-linear", coverage: "full" });
    expect(all.modules).toHaveLength(224);
    const head = matchTargets(llama7b, ["lm_head"]);
    expect(head.targets[0].nonLayerMatches.map((m) => m.name)).toEqual(["lm_head"]);
    expect(head.issues).toEqual([]);
  });

  it("an invalid pattern is PW3023", () => {
    const r = matchTargets(tiny, ["(q_proj"]);
    expect(r.issues[0]).toMatchObject({ code: "PW3023", subject: "(q_proj" });
  });

  it("layers_to_transform restricts matching and coverage", () => {
    const r = matchTargets(llama7b, ["q_proj"], { layers: [0, 1, 2, 3] });
    expect(r.modules.map((m) => m.layer)).toEqual([0, 1, 2, 3]);
    expect(r.targets[0].coverage).toBe("full");
  });

  it("the union has no duplicates", () => {
    const r = matchTargets(tiny, ["q_proj", "self_attn.q_proj", "all-linear"]);
    expect(r.modules).toHaveLength(14);
  });
});

describe("checkRank", () => {
  it("r ≤ min(d, k) passes", () => {
    expect(checkRank(matchTargets(llama7b, ["q_proj", "v_proj"]).modules, 8).issues).toEqual([]);
    expect(checkRank(matchTargets(tiny, ["k_proj"]).modules, 16).issues).toEqual([]);
  });

  it("one violation per module shape, with its layers", () => {
    const r = checkRank(matchTargets(tiny, ["q_proj", "k_proj", "v_proj"]).modules, 17, "lora `x`");
    expect(r.violations).toEqual([
      { module: "k_proj", outFeatures: 16, inFeatures: 32, maxRank: 16, layers: [0, 1] },
      { module: "v_proj", outFeatures: 16, inFeatures: 32, maxRank: 16, layers: [0, 1] },
    ]);
    expect(r.issues[0]).toMatchObject({ code: "PW3022", severity: "error", subject: "k_proj" });
    expect(r.issues[0].message).toBe(
      "lora `x`: rank 17 exceeds min(d, k) = 16 of `k_proj` (16×32, layers 0-1)",
    );
    expect(r.issues[0].hint).toBe("use rank ≤ 16");
  });
});

describe("helpers", () => {
  it("formatLayerList", () => {
    expect(formatLayerList([0, 1, 2, 3, 7, 9, 10, 11])).toBe("0-3, 7, 9-11");
    expect(formatLayerList([])).toBe("");
  });
  it("edit distance and suggestions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(suggestSimilar("gate_prj", ["q_proj", "gate_proj", "up_proj"])).toEqual(["gate_proj"]);
    expect(suggestSimilar("xyz", ["q_proj"])).toEqual([]);
  });
});
