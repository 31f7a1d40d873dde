/**
 * Acceptance: loading Hugging Face directories and running the forward gives the logits of an
 * independent PyTorch implementation (scripts/fixtures/llama_logits.py) within 1e-4 relative —
 * GQA, tied embeddings, attention biases, a BF16 checkpoint and an F16 sharded one.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { describeWebGPU } from "../../support/webgpu.js";
import { loadLlama } from "../../../runtime/llm/hf-io.js";
import type { Backend } from "../../../runtime/backend/backend.js";
import {
  cpu,
  logitsFixture,
  logitsOf,
  relError,
  ROOT,
  webgpuBackend,
  GPU_TIMEOUT_MS,
} from "./llm-test-helpers.js";

const fixture = logitsFixture();

async function checkAll(backend: Backend): Promise<Record<string, number>> {
  const errors: Record<string, number> = {};
  for (const [key, m] of Object.entries(fixture.models)) {
    const model = loadLlama(path.join(ROOT, m.dir), { backend });
    try {
      let worst = 0;
      for (const c of m.cases) {
        const got = await logitsOf(model, c.ids);
        const err = relError(got, c.logits.flat(2));
        worst = Math.max(worst, err);
        expect(
          err,
          `${key} ${JSON.stringify(c.ids)}: relative error ${err.toExponential(2)}`,
        ).toBeLessThan(1e-4);
        // Each row of a batch alone gives the same logits as in the batch.
        if (c.ids.length > 1) {
          const alone = await logitsOf(model, [c.ids[1]]);
          expect(relError(alone, c.logits[1].flat())).toBeLessThan(1e-4);
        }
      }
      errors[key] = worst;
    } finally {
      model.dispose();
    }
  }
  return errors;
}

describe("Llama logits vs PyTorch (CPU backend)", () => {
  it("matches every fixture model within 1e-4", async () => {
    const errors = await checkAll(cpu());
    console.log("CPU logits relative error vs torch:", errors);
    expect(Object.keys(errors)).toHaveLength(6);
  });
});

describeWebGPU("Llama logits vs PyTorch (WebGPU)", () => {
  it(
    "matches every fixture model within 1e-4",
    async () => {
      const errors = await checkAll(await webgpuBackend());
      console.log("WebGPU logits relative error vs torch:", errors);
    },
    GPU_TIMEOUT_MS,
  );
});
