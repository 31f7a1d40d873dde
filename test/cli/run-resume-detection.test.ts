/**
 * Exact resume of detector training through `pipe run`: a run of a tiny defect-inspection
 * pipeline is killed with SIGKILL in the middle of training (after the first epoch's checkpoint,
 * during the second epoch), `pipe run --resume` continues it from that checkpoint, and the final
 * weights are byte-identical to those of an uninterrupted run in another folder.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";

const BIN = join(import.meta.dirname, "../../bin/pipe.js");

const PIPE = `pipeline "resume-detection" {
  seed: 3
  output: "out"
}

dataset parts = yolo("data/defects/dataset.yaml") {
  generate: defects { train: 12, val: 2, imgsz: 64, seed: 5 }
}

model det = yolo_detector {
  classes: parts.names
  width: 0.09
  depth: 0.1
  imgsz: 64
}

train detector = detect_train(det, parts.train) {
  epochs: 3
  imgsz: 64
  batch: 4
  optimizer: adamw { lr0: 1e-2, lrf: 0.05 }
  warmup_epochs: 1
  augment {
    mosaic: 0.5
    close_mosaic: 1
  }
}

export detector to "out/weights" {
  format: safetensors
}
`;

function project(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "resume.pipe"), PIPE);
  return dir;
}

async function run(argv: string[], cwd: string) {
  const io = memoryIo({ cwd });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

const weights = (dir: string, ...at: string[]) =>
  readFileSync(join(dir, "out", ...at, "model.safetensors"));

describe("pipe run --resume after SIGKILL (detector training)", () => {
  it("ends with the same weights as an uninterrupted run", async () => {
    // The uninterrupted reference.
    const ref = project("pipe-det-ref-");
    const full = await run(["run", "resume.pipe"], ref);
    expect(full.code, full.out + full.err).toBe(0);
    expect(full.out).toContain("3 epochs, 9 steps");

    // Killed during the second epoch: the first epoch's checkpoint is on disk.
    const dir = project("pipe-det-kill-");
    const child = spawn(process.execPath, [BIN, "run", "resume.pipe"], {
      cwd: dir,
      env: { ...process.env, PIPE_FROM_SOURCE: "1", NO_COLOR: "1" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
      if (err.includes("detector/detect-train: epoch 1/3") && !child.killed) child.kill("SIGKILL");
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("close", (_code, sig) => resolve(sig)),
    );
    expect(signal, out + err).toBe("SIGKILL");
    expect(err).not.toContain("epoch 3/3");
    expect(existsSync(join(dir, "out", "weights"))).toBe(false);
    expect(existsSync(join(dir, "out", "detectors", "detector", "checkpoint.safetensors"))).toBe(
      true,
    );

    const resumed = await run(["run", "resume.pipe", "--resume"], dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    expect(resumed.out).toMatch(/resumed from .*checkpoint\.safetensors at epoch 2, step 1/);
    expect(resumed.out).toContain("3 epochs, 9 steps");
    expect(resumed.err).not.toContain("epoch 1/3");

    expect(weights(dir, "weights").equals(weights(ref, "weights"))).toBe(true);
    const last = ["detectors", "detector", "weights", "last"];
    expect(weights(dir, ...last).equals(weights(ref, ...last))).toBe(true);
  }, 120_000);
});
