/**
 * A training run for the SIGKILL test (spawned as a child process): the toy SFT run of
 * sigkill.test.ts, checkpointing every step, slowed down by an asynchronous pause per step so
 * the parent can kill it at an arbitrary moment — possibly in the middle of a checkpoint write.
 * Usage: tsx sigkill-run.ts <checkpoint dir> [--resume]
 */
import { trainCausalLM } from "../../../runtime/train/trainer.js";
import { sigkillRunOptions } from "./sigkill-options.js";

const [dir, flag] = process.argv.slice(2);
await trainCausalLM({
  ...sigkillRunOptions(dir),
  resume: flag === "--resume",
  evalEvery: 1,
  evaluate: () => new Promise((done) => setTimeout(() => done({}), 25)),
});
