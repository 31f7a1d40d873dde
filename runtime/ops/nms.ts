/**
 * Non-maximum suppression on tensors (torchvision `nms` / `batched_nms` semantics: score
 * order with ties by index, suppression when IoU > threshold strictly, class-offset trick for
 * batched NMS). Its output length depends on the data, so it is an async function that reads
 * back the kept indices rather than a taped op; it has no gradient.
 * GPU: runtime/kernels/nms.ts (bitmask matrix + in-order walk); CPU: kernels/reference/nms.ts.
 */
import type { Tensor } from "../tensor/tensor.js";
import { formatShape } from "../tensor/shape.js";
import type { CpuBackend } from "../backend/cpu-backend.js";
import type { WebGpuBackend } from "../backend/webgpu-backend.js";
import {
  encodeNms,
  nmsBufferWords,
  type NmsBuffers,
  type NmsOptions as KernelNmsOptions,
} from "../kernels/nms.js";
import { nmsRef } from "../kernels/reference/nms.js";

export interface NmsOptions extends KernelNmsOptions {
  /** [N] i32/u32 category per box (class, or image·numClasses + class): batched NMS. */
  classes?: Tensor;
}

/** Indices of the kept boxes (boxes [N, 4] xyxy f32, scores [N] f32), highest score first. */
export async function nms(boxes: Tensor, scores: Tensor, options: NmsOptions): Promise<Int32Array> {
  const n = scores.size;
  if (boxes.rank !== 2 || boxes.shape[1] !== 4 || scores.rank !== 1 || boxes.shape[0] !== n) {
    throw new Error(
      `nms: expects boxes [N, 4] and scores [N], got ${formatShape(boxes.shape)} and ${formatShape(scores.shape)}`,
    );
  }
  if (boxes.dtype !== "f32" || scores.dtype !== "f32")
    throw new Error("nms: boxes and scores must be f32");
  const { classes } = options;
  if (classes && (classes.size !== n || (classes.dtype !== "i32" && classes.dtype !== "u32"))) {
    throw new Error(
      `nms: classes must be [${n}] i32 or u32, got ${formatShape(classes.shape)} ${classes.dtype}`,
    );
  }
  for (const t of [boxes, scores, ...(classes ? [classes] : [])]) {
    t.assertAlive("input of 'nms'");
    if (t.backend !== boxes.backend) throw new Error("nms: inputs live on different backends");
  }
  if (boxes.backend.kind === "cpu") {
    const be = boxes.backend as CpuBackend;
    const keep = nmsRef(be.floats(boxes), be.floats(scores), {
      iouThreshold: options.iouThreshold,
      maxDetections: options.maxDetections,
      scoreThreshold: options.scoreThreshold,
      classes: classes ? be.data(classes) : undefined,
    });
    return Int32Array.from(keep);
  }
  const be = boxes.backend as WebGpuBackend;
  const words = nmsBufferWords(n, options.maxDetections ?? n);
  const scratch = Object.fromEntries(
    Object.entries(words).map(([key, count]) => [key, be.empty([count], "u32")]),
  ) as Record<keyof NmsBuffers, Tensor>;
  try {
    const buffers = Object.fromEntries(
      Object.entries(scratch).map(([key, t]) => [key, be.buffer(t)]),
    ) as unknown as NmsBuffers;
    encodeNms(
      be.device,
      be.encoder(),
      n,
      {
        boxes: be.buffer(boxes),
        scores: be.buffer(scores),
        classes: classes ? be.buffer(classes) : undefined,
      },
      options,
      buffers,
    );
    const raw = (await scratch.result.toArray()) as Uint32Array;
    return Int32Array.from(raw.subarray(1, 1 + raw[0]));
  } finally {
    for (const t of Object.values(scratch)) t.dispose();
  }
}
