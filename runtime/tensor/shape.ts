/** Shape arithmetic shared by the ops and both backends. Shapes are row-major, contiguous. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** NumPy broadcasting of two shapes; throws on incompatible shapes. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of shape `from` as if it had shape `to` (broadcast):
 * broadcast dimensions get stride 0. `to` must be a broadcast of `from`.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const own = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const offset = to.length - from.length;
  if (offset < 0) throw new Error(`cannot broadcast ${formatShape(from)} to ${formatShape(to)}`);
  for (let i = 0; i < from.length; i++) {
    const d = from[i];
    if (d !== 1 && d !== to[i + offset]) {
      throw new Error(`cannot broadcast ${formatShape(from)} to ${formatShape(to)}`);
    }
    out[i + offset] = d === 1 ? 0 : own[i];
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Resolves one `-1` in a reshape target. */
export function inferShape(target: Shape, numel: number): number[] {
  const out = [...target];
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = out.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    out[unknown] = known === 0 ? 0 : numel / known;
  }
  if (sizeOf(out) !== numel || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`cannot reshape ${numel} elements to ${formatShape(target)}`);
  }
  return out;
}
