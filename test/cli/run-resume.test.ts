/**
 * Acceptance (LLM issue): kill `pipe run` mid-training with SIGKILL, run `pipe run --resume`,
 * and the final adapter is byte-identical to an uninterrupted run's.
 *
 * A tiny Llama (declared inline, random init) with a LoRA adapter (dropout on, so the model's
 * random streams matter) is fine-tuned on generated data with gradient accumulation, a cosine
 * schedule with warmup, periodic evaluation, early-stopping state and a checkpoint every 2 steps,
 * then exported in PEFT's layout. Two temporary folders: one run goes through uninterrupted; in
 * the other, the real executable (bin/pipe.js, one process: tsx is registered in-process) is
 * killed once a checkpoint exists and training has gone past it, then resumed. The device is
 * the default (`auto`: WebGPU — lavapipe on a CPU-only machine).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/pipe.js");
const STEPS = 24;

const PIPE = `pipeline "resume-lora" {
  seed: 5
  output: "out"
}
dataset sft = alpaca("data/train.jsonl") {
  generate: arithmetic_zh { rows: 160, seed: 11, format: alpaca }
  template: alpaca_zh
  max_length: 64
  split { train: 90%, val: 10% }
}
model base = llama {
  tokenizer: char { train_on: sft.train }
  vocab_size: 320
  hidden_size: 32
  intermediate_size: 64
  num_hidden_layers: 1
  num_attention_heads: 2
  num_key_value_heads: 1
  max_position_embeddings: 64
}
adapter lo = lora(base) {
  rank: 4
  alpha: 8
  dropout: 0.1
  targets: [q_proj, v_proj]
}
train run = sft(lo, sft.train) {
  max_steps: ${STEPS}
  batch: 4
  grad_accum: 2
  optimizer: adamw { lr: 5e-3 }
  schedule: cosine { warmup: 3 }
  log_every: 1
  checkpoint_every: 2
  eval {
    data: sft.val
    every: 6
  }
  early_stopping {
    metric: val_loss
    patience: 50
  }
}
export run to "out/adapter" {
  format: peft
}
`;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Spawns `pipe run`; `killWhen` is polled every 25 ms and SIGKILLs the process when true. */
function pipe(argv: string[], cwd: string, killWhen?: () => boolean): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd,
    env: { ...process.env, PIPE_FROM_SOURCE: "1", NO_COLOR: "1" },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const timer = killWhen
    ? setInterval(() => {
        if (child.exitCode === null && killWhen()) {
          child.kill("SIGKILL");
          clearInterval(timer);
        }
      }, 25)
    : undefined;
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, out, err });
    }),
  );
}

function folder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pipe-${name}-`));
  writeFileSync(join(dir, "resume.pipe"), PIPE);
  return dir;
}

type LogLine = { event: string; step?: number; loss?: number };
function metrics(dir: string): LogLine[] {
  const file = join(dir, "out", "logs", "run.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return []; // empty, or a line being written
      }
    });
}

const checkpointSteps = (dir: string): number[] => {
  const d = join(dir, "out", "checkpoints", "run");
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
};

const losses = (dir: string) =>
  metrics(dir)
    .filter((e) => e.event === "log")
    .map((e) => [e.step, e.loss]);

describe("pipe run, SIGKILL mid-training, pipe run --resume", () => {
  it("ends with an adapter byte-identical to an uninterrupted run", async () => {
    const reference = folder("resume-ref");
    const crashed = folder("resume-kill");
    let killedAt: { checkpoint: number; logged: number } | undefined;
    // The uninterrupted run and the run to be killed go side by side (independent folders).
    const [ref, killed] = await Promise.all([
      pipe(["run", "resume.pipe"], reference),
      pipe(["run", "resume.pipe"], crashed, () => {
        const ck = checkpointSteps(crashed).at(-1) ?? 0;
        const logged = metrics(crashed)
          .filter((e) => e.event === "log")
          .at(-1)?.step;
        if (ck >= 6 && logged !== undefined && logged > ck) {
          killedAt = { checkpoint: ck, logged };
          return true;
        }
        return false;
      }),
    ]);
    expect(ref.code, ref.out + ref.err).toBe(0);
    expect(killed.signal, `not killed:\n${killed.out}${killed.err}`).toBe("SIGKILL");
    expect(killedAt!.logged).toBeLessThan(STEPS);
    expect(existsSync(join(crashed, "out", "adapter"))).toBe(false);
    // Steps after the newest checkpoint were done and are lost with the process.
    const newest = checkpointSteps(crashed).at(-1)!;
    expect(newest).toBeGreaterThanOrEqual(killedAt!.checkpoint);
    expect(newest).toBeLessThan(STEPS);

    const resumed = await pipe(["run", "resume.pipe", "--resume"], crashed);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    expect(resumed.out + resumed.err).toContain(
      `resumed from out/checkpoints/run/checkpoint-${String(newest).padStart(8, "0")} at step ${newest}`,
    );
    // Finished stages came from the cache; only the model recipe, training and export ran.
    expect(resumed.out).toMatch(/cached\s+sft\.train\/tokenize@base/);
    expect(resumed.out).toMatch(/run\/train\s+ran/);

    for (const f of ["adapter_model.safetensors", "adapter_config.json"]) {
      const a = readFileSync(join(reference, "out", "adapter", f));
      const b = readFileSync(join(crashed, "out", "adapter", f));
      expect(b.equals(a), `${f} differs from the uninterrupted run's`).toBe(true);
    }
    // The metrics log reads as one run, with the same losses step by step.
    const steps = Array.from({ length: STEPS }, (_, i) => i + 1);
    expect(losses(crashed).map(([s]) => s)).toEqual(steps);
    expect(losses(crashed)).toEqual(losses(reference));
    // No temporaries of the killed process are left next to the checkpoints.
    expect(
      readdirSync(join(crashed, "out", "checkpoints", "run")).filter((n) => n.startsWith(".")),
    ).toEqual([]);
  }, 180_000);
});
