/**
 * A real crash: a training process is killed with SIGKILL at an arbitrary moment (it writes a
 * checkpoint after every step, so the kill often lands inside a write). Resuming from what is
 * on disk ends with weights bit-identical to an uninterrupted run.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import { listCheckpoints } from "../../../runtime/train/checkpoint.js";
import { SIGKILL_STEPS, sigkillRunOptions } from "./sigkill-options.js";
import { sameBytes, type ToyLM } from "./toy-lm.js";

const repo = path.resolve(import.meta.dirname, "../../..");

describe("SIGKILL mid-training", () => {
  it("resume after a kill = uninterrupted run, bit for bit", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-sigkill-"));
    // One process (node with tsx's loader), so SIGKILL hits the process that trains.
    const script = path.join(repo, "test/runtime/train/sigkill-run.ts");
    const child = spawn(process.execPath, ["--import", "tsx", script, dir], {
      cwd: repo,
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      child.on("exit", (_code, signal) => done(signal)),
    );
    // Kill once a few checkpoints exist (the run is then somewhere in its 60 steps).
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline && (listCheckpoints(dir).at(-1)?.step ?? 0) < 8) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const before = listCheckpoints(dir).at(-1)!.step;
    expect(before).toBeGreaterThanOrEqual(8);
    expect(before).toBeLessThan(SIGKILL_STEPS);

    const resumedOptions = sigkillRunOptions(dir);
    const resumed = await trainCausalLM({ ...resumedOptions, resume: true });
    expect(resumed.resumedFrom).not.toBeNull();
    const reference = sigkillRunOptions(fs.mkdtempSync(path.join(os.tmpdir(), "pw-sigkill-ref-")));
    await trainCausalLM(reference);
    const a = await (resumedOptions.model as ToyLM).stateDict();
    const b = await (reference.model as ToyLM).stateDict();
    expect(sameBytes(a, b)).toBe(true);
    expect(resumed.step).toBe(SIGKILL_STEPS);
  });
});
