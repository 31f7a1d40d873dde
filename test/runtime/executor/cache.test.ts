/**
 * The stage cache: a second run loads instead of running; a changed setting re-runs that node
 * and what follows, not what comes before; a deleted export or an unreadable entry runs again
 * (PW8014); `--dry-run` lists what would run and writes nothing; no temporary folder is left.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../../../runtime/executor/types.js";
import { copyFixtures, runIn, statusOf, tempDir } from "./support/run-fixture.js";

let dir: string;

const warnings = (events: RunEvent[]) =>
  events.filter((e): e is Extract<RunEvent, { type: "warning" }> => e.type === "warning");

function entryOf(op: string): string {
  const cache = join(dir, "out", ".cache");
  const name = readdirSync(cache).find((n) => n.startsWith(`${op}-`));
  return join(cache, name!);
}

beforeAll(() => {
  dir = tempDir("cache");
  copyFixtures(dir, "handmade.jsonl", "handmade.pipe");
});

describe("the stage cache", () => {
  it("plans a fresh run without writing anything", async () => {
    const { summary } = await runIn(dir, "handmade.pipe", { dryRun: true });
    expect(summary.dryRun).toBe(true);
    expect(new Set(Object.values(statusOf(summary)))).toEqual(new Set(["would-run"]));
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("runs everything once, then loads everything from the cache", async () => {
    const first = await runIn(dir, "handmade.pipe");
    expect(Object.values(statusOf(first.summary))).toEqual(["ran", "ran", "ran", "ran"]);
    const trainBefore = readFileSync(join(dir, "out", "train.jsonl"), "utf8");
    const second = await runIn(dir, "handmade.pipe");
    expect(Object.values(statusOf(second.summary))).toEqual([
      "cached",
      "cached",
      "cached",
      "cached",
    ]);
    expect(
      second.events
        .filter((e) => e.type === "node-done")
        .every((e) => e.type === "node-done" && e.cached),
    ).toBe(true);
    // The notes and numbers of a cached node come from its manifest.
    expect(second.summary.nodes[1].data).toMatchObject({ read: 14, kept: 5, dropped: 9 });
    expect(readFileSync(join(dir, "out", "train.jsonl"), "utf8")).toBe(trainBefore);
    const dry = await runIn(dir, "handmade.pipe", { dryRun: true });
    expect(Object.values(statusOf(dry.summary))).toEqual(["cached", "cached", "cached", "cached"]);
  });

  it("re-runs a changed node and what follows it, loading what comes before", async () => {
    const pipe = join(dir, "handmade.pipe");
    const text = readFileSync(pipe, "utf8");
    writeFileSync(pipe, text.replace("train: 60%", "train: 80%").replace("val: 40%", "val: 20%"));
    try {
      const dry = await runIn(dir, "handmade.pipe", { dryRun: true });
      expect(Object.values(statusOf(dry.summary))).toEqual([
        "cached",
        "cached",
        "would-run",
        "would-run",
      ]);
      const { summary } = await runIn(dir, "handmade.pipe");
      expect(Object.values(statusOf(summary))).toEqual(["cached", "cached", "ran", "ran"]);
      const report = JSON.parse(readFileSync(join(dir, "out", "clean-report.json"), "utf8"));
      expect(report.splits).toEqual({ train: 4, val: 1 });
    } finally {
      writeFileSync(pipe, text);
    }
  });

  it("runs an export again when a file it wrote is gone", async () => {
    rmSync(join(dir, "out", "val.jsonl"));
    const { summary } = await runIn(dir, "handmade.pipe");
    expect(statusOf(summary)["qa/write"]).toBe("ran");
    expect(statusOf(summary)["qa/split"]).toBe("cached");
    expect(existsSync(join(dir, "out", "val.jsonl"))).toBe(true);
  });

  it("runs a node again when its entry's manifest is unreadable (PW8014)", async () => {
    writeFileSync(join(entryOf("clean"), "manifest.json"), "{ not json");
    const { summary, events } = await runIn(dir, "handmade.pipe");
    expect(statusOf(summary)["qa/clean"]).toBe("ran");
    expect(statusOf(summary)["qa/load-dataset"]).toBe("cached");
    const w = warnings(events);
    expect(w.map((e) => e.code)).toEqual(["PW8014"]);
    expect(w[0].message).toMatch(/cache entry of `qa\/clean` is unusable/);
  });

  it("runs a node again when its cached result cannot be loaded (PW8014)", async () => {
    // The split must run (new sizes), so it loads the clean result, whose records are cut short.
    writeFileSync(join(entryOf("clean"), "data.jsonl"), "");
    const pipe = join(dir, "handmade.pipe");
    const text = readFileSync(pipe, "utf8");
    writeFileSync(pipe, text.replace("train: 60%", "train: 70%").replace("val: 40%", "val: 30%"));
    try {
      const { summary, events } = await runIn(dir, "handmade.pipe");
      const w = warnings(events);
      expect(w.some((e) => e.code === "PW8014" && /cannot be read/.test(e.message))).toBe(true);
      expect(summary.status).toBe("ok");
      expect(statusOf(summary)["qa/clean"]).toBe("ran");
      expect(statusOf(summary)["qa/load-dataset"]).toBe("cached");
    } finally {
      writeFileSync(pipe, text);
    }
  });

  it("leaves no temporary folders in the cache", () => {
    const names = readdirSync(join(dir, "out", ".cache"));
    expect(names.filter((n) => n.startsWith(".tmp"))).toEqual([]);
    for (const n of names)
      expect(existsSync(join(dir, "out", ".cache", n, "manifest.json"))).toBe(true);
    expect(readdirSync(join(dir, "out")).filter((n) => n.startsWith(".tmp"))).toEqual([]);
  });
});
