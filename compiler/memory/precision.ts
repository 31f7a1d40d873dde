/**
 * Bytes of stored tensors by precision, and of optimizer states — exact, per tensor.
 *
 * - fp32 4 B, fp16/bf16 2 B per element.
 * - int8 (LLM.int8 / bitsandbytes Int8Params): 1 B per element + one f32 scale per output row.
 * - nf4 (QLoRA, bitsandbytes-compatible, see DESIGN.md): two 4-bit codes per byte over the
 *   row-major flattened weight, blocks of 64 with one f32 absmax each.
 *   With double quantisation the absmax values are themselves quantised: the mean is
 *   subtracted (one f32 offset per tensor), then blocks of 256 absmax values are stored as
 *   8-bit codes with one f32 scale per block.
 *   Per element: 0.5 + 4/64 = 0.5625 B (4.5 bits); with double quantisation
 *   0.5 + 1/64 + 4/(64·256) = 0.51587 B (≈ 4.127 bits), the QLoRA paper's figures.
 *   The 16-entry NF4 and 256-entry dynamic code tables are shared by all tensors (bitsandbytes
 *   caches one copy per device) and not counted.
 */

export type FloatPrecision = "fp32" | "fp16" | "bf16";
export type WeightPrecision = FloatPrecision | "int8" | "nf4";

export const FLOAT_BYTES: Record<FloatPrecision, number> = { fp32: 4, fp16: 2, bf16: 2 };

export const NF4_BLOCK = 64;
export const NF4_ABSMAX_BLOCK = 256;
/** bitsandbytes' 8-bit optimizers keep tensors smaller than this in 32-bit states. */
export const OPTIM_8BIT_MIN_SIZE = 4096;
/** Block size of bitsandbytes' blockwise 8-bit optimizer states. */
export const OPTIM_8BIT_BLOCK = 256;

export interface QuantizedBytes {
  /** The packed weight (codes). */
  data: number;
  /** Scales: absmax / row scales / double-quantisation constants. */
  scales: number;
  total: number;
}

export function nf4Bytes(numel: number, doubleQuant: boolean): QuantizedBytes {
  const data = Math.ceil(numel / 2);
  const blocks = Math.ceil(numel / NF4_BLOCK);
  const scales = doubleQuant ? blocks + 4 * Math.ceil(blocks / NF4_ABSMAX_BLOCK) + 4 : 4 * blocks;
  return { data, scales, total: data + scales };
}

export function int8Bytes(rows: number, cols: number): QuantizedBytes {
  const data = rows * cols;
  const scales = 4 * rows;
  return { data, scales, total: data + scales };
}

/** Bytes of a 2-D weight [rows, cols] stored at `precision`. */
export function matrixBytes(
  rows: number,
  cols: number,
  precision: WeightPrecision,
  doubleQuant = false,
): QuantizedBytes {
  switch (precision) {
    case "nf4":
      return nf4Bytes(rows * cols, doubleQuant);
    case "int8":
      return int8Bytes(rows, cols);
    default: {
      const data = rows * cols * FLOAT_BYTES[precision];
      return { data, scales: 0, total: data };
    }
  }
}

export type OptimizerKind = "adamw" | "adamw-8bit" | "sgd-momentum" | "sgd";

/**
 * Optimizer state bytes for one trainable tensor of `numel` elements.
 * AdamW: m and v in f32 (8 B/element). AdamW 8-bit (bitsandbytes blockwise): m and v as 8-bit
 * codes plus one f32 absmax per 256 elements each, for tensors of ≥ 4096 elements (smaller
 * ones keep f32 states, as bitsandbytes does). SGD with momentum: one f32 buffer.
 */
export function optimizerStateBytes(numel: number, optimizer: OptimizerKind): number {
  switch (optimizer) {
    case "adamw":
      return 8 * numel;
    case "adamw-8bit":
      return numel < OPTIM_8BIT_MIN_SIZE
        ? 8 * numel
        : 2 * numel + 2 * 4 * Math.ceil(numel / OPTIM_8BIT_BLOCK);
    case "sgd-momentum":
      return 4 * numel;
    case "sgd":
      return 0;
  }
}
