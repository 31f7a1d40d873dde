/** Fusion annotations: LoRA into the matmul, NF4 dequantisation into the matmul, detection post-processing. */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXAMPLES_DIR } from "../../support/examples.js";
import { TINY_LLAMA, alpacaRows, compileText, node, tempProject } from "../ir/compile-text.js";

describe("fusion annotations", () => {
  it("the QLoRA example fuses NF4 dequantisation and the LoRA epilogue into the matmul", async () => {
    const path = join(EXAMPLES_DIR, "alpaca-zh-qlora.pipe");
    const ir = await compileText(readFileSync(path, "utf8"), { file: path });
    const attach = node(ir, "qlora/attach-adapter");
    expect(attach.annotations.fusions).toEqual([
      expect.objectContaining({
        kind: "lora-matmul",
        kernel: "lora",
        modules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        params: { rank: 16, scale: 2 },
      }),
      expect.objectContaining({
        kind: "nf4-dequant-matmul",
        kernel: "nf4-matmul",
        from: "qlora/quantize",
        params: { block: 64, double_quant: true },
      }),
    ]);
    expect(node(ir, "qlora/quantize").annotations.fusions).toEqual([
      expect.objectContaining({ kind: "nf4-dequant-matmul", into: "qlora/attach-adapter" }),
    ]);
    const fusedNodes = ir.nodes.filter((n) => n.annotations.fusions.length).map((n) => n.id);
    // The flagship also trains a plain LoRA adapter (the LoRA fusion only) to compare with.
    expect(fusedNodes).toEqual(["lora/attach-adapter", "qlora/quantize", "qlora/attach-adapter"]);
    expect(node(ir, "lora/attach-adapter").annotations.fusions.map((f) => f.kind)).toEqual([
      "lora-matmul",
    ]);
  });

  it("plain LoRA gets the LoRA fusion only; other adapters get none", async () => {
    const ir = await compileText(
      `dataset d = alpaca("data.jsonl")
       model base = llama("${TINY_LLAMA}")
       adapter l = lora(base) { rank: 8, alpha: 8, targets: [q_proj] }
       adapter i = ia3(base) { targets: [k_proj, v_proj] }
       train a = sft(l, d) { max_steps: 2 }
       train b = sft(i, d) { max_steps: 2 }
       export a to "out/a"
       export b to "out/b"`,
      { cwd: tempProject({ "data.jsonl": alpacaRows(40) }) },
    );
    expect(node(ir, "l/attach-adapter").annotations.fusions.map((f) => f.kind)).toEqual([
      "lora-matmul",
    ]);
    expect(node(ir, "l/attach-adapter").annotations.fusions[0].params).toEqual({
      rank: 8,
      scale: 1,
    });
    expect(node(ir, "i/attach-adapter").annotations.fusions).toEqual([]);
  });

  it("detection fuses box decode and NMS for detect and for detector evaluation", async () => {
    const path = join(EXAMPLES_DIR, "defect-inspection.pipe");
    const ir = await compileText(readFileSync(path, "utf8"), { file: path });
    expect(node(ir, "preds/detect").annotations.fusions).toEqual([
      expect.objectContaining({
        kind: "detect-postprocess",
        kernel: "box-decode+nms",
        params: { conf: 0.25, iou: 0.45, max_det: 100 },
      }),
    ]);
    expect(node(ir, "val/evaluate").annotations.fusions).toEqual([
      expect.objectContaining({ kind: "detect-postprocess", params: { conf: 0.001, iou: 0.7 } }),
    ]);
    expect(node(ir, "detector/detect-train").annotations.fusions).toEqual([]);
  });
});
