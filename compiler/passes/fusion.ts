/**
 * Fusion annotations: operations the runtime should run as one kernel. They never change
 * results, only memory traffic and dispatch count, so they are annotations on nodes rather
 * than rewrites of the graph.
 * - LoRA into the base matmul: Y = X·Wᵀ + s·(X·Aᵀ)·Bᵀ as the base GEMM with a rank-r
 *   epilogue (runtime/kernels/lora.ts), for every targeted module of an attached LoRA.
 * - NF4 dequantisation into the matmul: when a LoRA is attached to NF4-quantised weights
 *   (QLoRA), W is decoded in the matmul's tile load and never materialised in fp32
 *   (runtime/kernels/nf4-matmul.ts); the quantize node stores codes and scales only.
 * - Detection post-processing: box decode, confidence filter and NMS in one dispatch chain on
 *   the device (runtime/kernels/box-decode.ts, nms.ts), for detect nodes and for evaluations
 *   of a detector.
 */
import type { DraftGraph, DraftNode } from "../ir/draft.js";

export function annotateFusions(graph: DraftGraph): DraftGraph {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const inputNode = (n: DraftNode, port: string) => {
    const input = n.inputs.find((i) => i.port === port);
    return input ? byId.get(input.node) : undefined;
  };
  for (const node of graph.nodes) {
    const s = node.settings;
    if (node.op === "attach-adapter" && s.method === "lora") {
      const targets = (s.targets as string[]) ?? [];
      node.fusions.push({
        kind: "lora-matmul",
        kernel: "lora",
        modules: targets,
        params: { rank: s.rank as number, scale: s.scale as number },
        note: "h = X·Aᵀ, then the base GEMM with epilogue + s·h·Bᵀ: Y is written once",
      });
      const base = inputNode(node, "model");
      if (base?.op === "quantize") {
        const params = {
          block: base.settings.block as number,
          double_quant: base.settings.double_quant as boolean,
        };
        node.fusions.push({
          kind: "nf4-dequant-matmul",
          kernel: "nf4-matmul",
          modules: ["*"],
          from: base.id,
          params,
          note: "NF4 codes are decoded in the matmul's tile load; the fp32 weight never exists",
        });
        base.fusions.push({
          kind: "nf4-dequant-matmul",
          kernel: "nf4-matmul",
          modules: ["*"],
          into: node.id,
          params,
          note: "stores NF4 codes and block scales only; dequantisation happens inside the matmul",
        });
      }
    }
    const detector =
      node.op === "detect" ||
      (node.op === "evaluate" &&
        node.inputs.some(
          (i) => i.port.startsWith("model") && byId.get(i.node)?.op === "detect-train",
        ));
    if (detector) {
      node.fusions.push({
        kind: "detect-postprocess",
        kernel: "box-decode+nms",
        params: {
          conf: s.conf as number,
          iou: s.iou as number,
          ...(typeof s.max_det === "number" ? { max_det: s.max_det } : {}),
        },
        note: "decode boxes, drop scores below conf, batched NMS (suppress IoU > iou) on the device; only kept boxes are read back",
      });
    }
  }
  return { ...graph, passes: [...graph.passes, "fusion"] };
}
