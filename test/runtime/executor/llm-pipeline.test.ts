/**
 * The language-model handlers end to end on the CPU backend (fixtures/tiny-llm.pipe): data
 * generated, a BPE tokenizer trained, a tiny Llama pre-trained, LoRA attached and fine-tuned,
 * evaluated (eval.json) and exported in PEFT's layout. A second run loads the trained weights
 * from the cache and builds no model it does not need.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunEvent, RunSummary } from "../../../runtime/executor/types.js";
import { copyFixtures, runIn, statusOf, tempDir } from "./support/run-fixture.js";

let dir: string;
let first: { summary: RunSummary; events: RunEvent[] };

beforeAll(async () => {
  dir = tempDir("llm");
  copyFixtures(dir, "tiny-llm.pipe");
  first = await runIn(dir, "tiny-llm.pipe");
}, 120_000);

describe("a tiny LLM pipeline", () => {
  it("runs every stage", () => {
    expect(first.summary.error?.error.message).toBeUndefined();
    expect(first.summary.status).toBe("ok");
    expect(new Set(Object.values(statusOf(first.summary)))).toEqual(new Set(["ran"]));
  });

  it("reports training progress with loss, rate and ETA", () => {
    const progress = first.events.filter(
      (e): e is Extract<RunEvent, { type: "progress" }> =>
        e.type === "progress" && e.node === "run/train",
    );
    expect(progress.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    for (const p of progress) {
      expect(p.total).toBe(4);
      expect(p.loss).toBeGreaterThan(0);
      expect(p.unit).toBe("tokens");
      expect(p.rate).toBeGreaterThan(0);
    }
    const ev = first.summary.nodes.find((n) => n.id === "run/train")!;
    expect(ev.data).toMatchObject({ steps: 4, totalSteps: 4, stopReason: "completed" });
  });

  it("writes eval.json, the PEFT adapter and the metrics log", () => {
    const out = join(dir, "out");
    const evalJson = JSON.parse(readFileSync(join(out, "ev", "eval.json"), "utf8"));
    expect(evalJson.metrics.perplexity.score).toBeGreaterThan(1);
    expect(evalJson.metrics.exact_match.score).toBeGreaterThanOrEqual(0);
    const config = JSON.parse(readFileSync(join(out, "adapter", "adapter_config.json"), "utf8"));
    expect(config).toMatchObject({
      peft_type: "LORA",
      r: 4,
      lora_alpha: 8,
      target_modules: ["q_proj", "v_proj"],
    });
    expect(existsSync(join(out, "adapter", "adapter_model.safetensors"))).toBe(true);
    const log = readFileSync(join(out, "logs", "run.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.filter((e) => e.event === "log")).toHaveLength(4);
  });

  it("loads trained weights from the cache on the next run", async () => {
    const { summary } = await runIn(dir, "tiny-llm.pipe");
    const s = statusOf(summary);
    expect(s["pre/train"]).toBe("cached");
    expect(s["run/train"]).toBe("cached");
    expect(s["ev/evaluate"]).toBe("cached");
    expect(s["run/export"]).toBe("cached");
    expect(s["base/init-model"]).toBe("not-needed");
    expect(s["lo/attach-adapter"]).toBe("not-needed");
  });

  it("re-evaluates a cached model with other settings, rebuilding it from base + weights", async () => {
    const { readFileSync: read, writeFileSync } = await import("node:fs");
    const pipe = join(dir, "tiny-llm.pipe");
    writeFileSync(pipe, read(pipe, "utf8").replace("max_new_tokens: 8", "max_new_tokens: 6"));
    const { summary } = await runIn(dir, "tiny-llm.pipe");
    const s = statusOf(summary);
    expect(s["run/train"]).toBe("cached");
    expect(s["ev/evaluate"]).toBe("ran");
    expect(s["lo/attach-adapter"]).toBe("ran");
    expect(s["base/init-model"]).toBe("ran");
    const before = first.summary.nodes.find((n) => n.id === "ev/evaluate")!.data as Record<
      string,
      Record<string, number>
    >;
    const after = summary.nodes.find((n) => n.id === "ev/evaluate")!.data as Record<
      string,
      Record<string, number>
    >;
    // Perplexity does not depend on generation: the rebuilt model is the trained one.
    expect(after.run.perplexity).toBeCloseTo(before.run.perplexity, 4);
  });

  it("fails the run on a `require` gate that does not hold (PW8007), caching nothing for it", async () => {
    const { readFileSync: read, writeFileSync } = await import("node:fs");
    const pipe = join(dir, "tiny-llm.pipe");
    writeFileSync(
      pipe,
      read(pipe, "utf8").replace(
        "metrics: [exact_match, perplexity]",
        "metrics: [exact_match, perplexity]\n  require exact_match >= 0.99",
      ),
    );
    for (let k = 0; k < 2; k++) {
      const { summary } = await runIn(dir, "tiny-llm.pipe");
      expect(summary.status).toBe("failed");
      expect(summary.error?.node).toBe("ev/evaluate");
      expect(summary.error?.error.code).toBe("PW8007");
      expect(summary.error?.error.message).toMatch(/exact_match >= 0\.99/);
      expect(statusOf(summary)["run/export"]).toBeUndefined();
    }
  });
});
