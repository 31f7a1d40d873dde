/** The handler registry: every operation is served (or refused with PW8011), first match wins. */
import { describe, expect, it } from "vitest";
import { IR_OPS, type IrNode } from "../../../compiler/ir/schema.js";
import { defaultRegistry } from "../../../runtime/executor/handlers/index.js";
import {
  createRegistry,
  notImplemented,
  notImplementedError,
} from "../../../runtime/executor/registry.js";

const node = (op: string, settings: Record<string, unknown> = {}) =>
  ({ id: `s/${op}`, op, stage: "s", settings, inputs: [], outputs: [] }) as unknown as IrNode;

describe("the handler registry", () => {
  it("has a handler for every operation of the IR", () => {
    const r = defaultRegistry();
    const settingsFor: Record<string, Record<string, unknown>> = {
      "generate-data": { generator: "noisy_instructions" },
      "load-dataset": { format: "alpaca" },
      "init-model": { architecture: "llama" },
      evaluate: { metrics: ["bleu"] },
      export: { what: "cleaned-splits" },
    };
    for (const op of IR_OPS) expect(r.find(node(op, settingsFor[op])), op).toBeDefined();
  });

  it("dispatches one operation to the module that accepts the node", () => {
    const r = defaultRegistry();
    expect(r.find(node("init-model", { architecture: "yolo_detector" }))?.group).toBe("detection");
    expect(r.find(node("init-model", { architecture: "llama" }))?.group).toBe("llm");
    expect(r.find(node("evaluate", { metrics: ["mAP50"] }))?.group).toBe("detection");
    expect(r.find(node("evaluate", { metrics: ["rouge1", "perplexity"] }))?.group).toBe("llm");
    expect(r.find(node("load-dataset", { format: "yolo" }))?.group).toBe("detection");
    expect(r.find(node("load-dataset", { format: "sharegpt" }))?.group).toBe("data");
    expect(r.find(node("export", { what: "cleaned-splits" }))?.group).toBe("export");
    expect(r.find(node("export", { what: "trained-model" }))?.group).toBe("llm");
    expect(r.find(node("export", { what: "inspection" }))?.unavailable).toBe(true);
  });

  it("refuses unserved operations with PW8011, naming the stage", async () => {
    const r = createRegistry();
    r.register(notImplemented("distill", "test"));
    const h = r.find(node("distill"))!;
    expect(h.unavailable).toBe(true);
    await expect(h.run({ node: node("distill") } as never)).rejects.toMatchObject({
      code: "PW8011",
      message:
        "`distill` stages are not implemented in this build yet: stage `s` (node `s/distill`) cannot run",
    });
    expect(notImplementedError(node("evaluate"), "judge scoring").message).toContain(
      "(judge scoring)",
    );
  });
});
