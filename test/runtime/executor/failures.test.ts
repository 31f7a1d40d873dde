/**
 * How runs fail: a user error stops the run with its place and node, and nothing half-written
 * remains. Covers `on_bad_row: fail` (PW6010 at the line), an output path outside the output
 * directory (PW8012, checked before anything runs), an operation nobody serves (PW8011), an
 * interrupted run (PW8013) that the next run continues from the cache, and a handler that
 * throws while its result is being cached.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import { dataHandlers } from "../../../runtime/executor/handlers/data.js";
import { writeFilesAtomically } from "../../../runtime/executor/handlers/export.js";
import { createRegistry } from "../../../runtime/executor/registry.js";
import { runPipeline } from "../../../runtime/executor/run-pipeline.js";
import type { Handler, RunEvent } from "../../../runtime/executor/types.js";
import { compileIn, copyFixtures, runIn, statusOf, tempDir } from "./support/run-fixture.js";

function fixtureDir(name: string): string {
  const dir = tempDir(name);
  copyFixtures(dir, "handmade.jsonl", "handmade.pipe");
  return dir;
}

const ESCAPE = (destination: string, allow = false) => `
pipeline "escape" {
  seed: 1
  output: "out"
  allow_outside_output: ${allow}
}
dataset qa = alpaca("handmade.jsonl") {
  on_bad_row: skip
  split { train: 50%, val: 50% }
}
export qa.train to "${destination}"
`;

describe("run failures", () => {
  it("stops at the first bad row under on_bad_row: fail, naming its line", async () => {
    const dir = fixtureDir("fail-row");
    const pipe = join(dir, "handmade.pipe");
    // The compiler samples the first two rows (good); the third is the first bad one.
    const text = readFileSync(pipe, "utf8").replace(
      "on_bad_row: skip",
      "on_bad_row: fail\n  sample_rows: 2",
    );
    writeFileSync(pipe, text);
    const { summary } = await runIn(dir, "handmade.pipe");
    expect(summary.status).toBe("failed");
    expect(summary.error?.node).toBe("qa/load-dataset");
    const err = summary.error!.error;
    expect(err.code).toBe("PW6010");
    expect(err.where()).toMatch(/handmade\.jsonl:3:\d+$/);
    expect(statusOf(summary)["qa/load-dataset"]).toBe("failed");
    expect(summary.nodes.map((n) => n.id)).toEqual(["qa/load-dataset"]);
    // Nothing cached, nothing written.
    expect(existsSync(join(dir, "out", "train.jsonl"))).toBe(false);
    const cache = join(dir, "out", ".cache");
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
  });

  it("refuses an export outside the output directory before running anything (PW8012)", async () => {
    const dir = fixtureDir("escape");
    for (const destination of ["../escape.jsonl", "elsewhere/train.jsonl"]) {
      await compileIn(dir, "escape.pipe", ESCAPE(destination));
      const { summary, events } = await runIn(dir, "escape.pipe");
      expect(summary.status).toBe("failed");
      expect(summary.error?.error.code).toBe("PW8012");
      expect(summary.error?.error.message).toContain(
        `\`${destination}\` is outside the output directory`,
      );
      expect(summary.error?.node).toBe("qa/export");
      expect(events.some((e) => e.type === "node-start")).toBe(false);
    }
    expect(existsSync(join(dir, "elsewhere"))).toBe(false);
    await compileIn(dir, "escape.pipe", ESCAPE("elsewhere/train.jsonl", true));
    const { summary } = await runIn(dir, "escape.pipe");
    expect(summary.status).toBe("ok");
    expect(
      readFileSync(join(dir, "elsewhere", "train.jsonl"), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(4);
  });

  it("fails with PW8011 for an operation no handler serves, without running later nodes", async () => {
    const dir = fixtureDir("missing-op");
    const ir = await compileIn(dir, "handmade.pipe");
    // A registry with the data handlers only: the `write` export has no handler.
    const registry = createRegistry(dataHandlers());
    const summary = await runPipeline(ir, { pipeFile: join(dir, "handmade.pipe"), registry });
    expect(summary.status).toBe("failed");
    expect(summary.error?.node).toBe("qa/write");
    expect(summary.error?.error).toBeInstanceOf(PipeError);
    expect(summary.error?.error.code).toBe("PW8011");
    expect(summary.error?.error.message).toMatch(
      /^`export` stages are not implemented in this build yet/,
    );
    expect(statusOf(summary)).toMatchObject({ "qa/split": "ran", "qa/write": "failed" });
    const dry = await runPipeline(ir, {
      pipeFile: join(dir, "handmade.pipe"),
      registry,
      dryRun: true,
    });
    expect(dry.nodes.find((n) => n.id === "qa/write")?.notes).toEqual([
      "not implemented in this build",
    ]);
  });

  it("stops when interrupted (PW8013); the next run continues from the cache", async () => {
    const dir = fixtureDir("interrupt");
    const controller = new AbortController();
    const onEvent = (e: RunEvent) => {
      if (e.type === "node-done" && e.node === "qa/clean") controller.abort();
    };
    const first = await runIn(dir, "handmade.pipe", { signal: controller.signal, onEvent });
    expect(first.summary.status).toBe("interrupted");
    expect(first.summary.error?.error.code).toBe("PW8013");
    expect(statusOf(first.summary)).toMatchObject({ "qa/load-dataset": "ran", "qa/clean": "ran" });
    expect(existsSync(join(dir, "out", "train.jsonl"))).toBe(false);
    const second = await runIn(dir, "handmade.pipe");
    expect(Object.values(statusOf(second.summary))).toEqual(["cached", "cached", "ran", "ran"]);
  });

  it("leaves no cache entry when a result cannot be saved, and reports the node", async () => {
    const dir = fixtureDir("bad-save");
    const ir = await compileIn(dir, "handmade.pipe");
    const broken: Handler = {
      op: "clean",
      group: "test",
      cache: {
        save: async (_v, d) => {
          writeFileSync(join(d, "half.jsonl"), "{");
          throw new PipeError("PW6303", "could not save");
        },
        load: async () => ({ value: undefined, outputs: {} }),
      },
      run: async () => ({ value: { kind: "nothing" } }),
    };
    const registry = createRegistry([broken, ...dataHandlers()]);
    const summary = await runPipeline(ir, { pipeFile: join(dir, "handmade.pipe"), registry });
    expect(summary.status).toBe("failed");
    expect(summary.error?.node).toBe("qa/clean");
    const names = readdirSync(join(dir, "out", ".cache"));
    expect(names.filter((n) => n.startsWith("clean-") || n.startsWith(".tmp"))).toEqual([]);
  });

  it("writes a group of files atomically: a failing writer leaves nothing", async () => {
    const dir = tempDir("atomic");
    await expect(
      writeFilesAtomically(dir, async (tmp) => {
        writeFileSync(join(tmp, "train.jsonl"), "{}\n");
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(readdirSync(dir)).toEqual([]);
  });
});
