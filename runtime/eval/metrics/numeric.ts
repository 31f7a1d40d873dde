/**
 * Numerical primitives with the exact semantics of the Python/NumPy functions the reference
 * metrics call (`math.fsum`, `np.linspace`, `np.interp`, `np.trapz`, NumPy's pairwise sum),
 * so that our results agree with theirs to the last bit or within an ulp, not merely "close".
 */

/**
 * Python's `math.fsum`: the correctly rounded sum (Shewchuk's algorithm, as in CPython's
 * msum), so that the weighted log sum is bit-identical to nltk's.
 */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    if (x !== 0) partials.push(x);
  }
  // Round the partials as CPython does: sum from the top, fixing half-way cases.
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}

/** `np.linspace(start, stop, num)` (endpoint included): start + i·step, last = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** Largest j with xp[j] <= x, for xp[0] <= x <= xp[n−1] (xp non-decreasing). */
function searchRightMinusOne(xp: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xp.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x >= xp[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * `np.interp(x, xp, fp, left, right)` as NumPy's C implementation computes it: with repeated
 * xp values the last of them wins, x equal to an xp takes that fp exactly, and x at the
 * right end takes fp[n−1].
 */
export function interp(
  x: ArrayLike<number>,
  xp: ArrayLike<number>,
  fp: ArrayLike<number>,
  left?: number,
  right?: number,
): Float64Array {
  const n = xp.length;
  if (n === 0 || fp.length !== n)
    throw new RangeError("interp: xp and fp must be non-empty and equal in length");
  const lval = left ?? fp[0];
  const rval = right ?? fp[n - 1];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (Number.isNaN(xv)) {
      out[i] = xv;
      continue;
    }
    if (n === 1) {
      out[i] = xv < xp[0] ? lval : xv > xp[0] ? rval : fp[0];
      continue;
    }
    if (xv > xp[n - 1]) {
      out[i] = rval;
      continue;
    }
    if (xv < xp[0]) {
      out[i] = lval;
      continue;
    }
    const j = searchRightMinusOne(xp, xv);
    if (j === n - 1 || xp[j] === xv) {
      out[i] = fp[j];
      continue;
    }
    const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let v = slope * (xv - xp[j]) + fp[j];
    if (Number.isNaN(v)) {
      v = slope * (xv - xp[j + 1]) + fp[j + 1];
      if (Number.isNaN(v) && fp[j] === fp[j + 1]) v = fp[j];
    }
    out[i] = v;
  }
  return out;
}

/** NumPy's pairwise summation of doubles (`DOUBLE_pairwise_sum`, block size 128, 8 lanes). */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => a[start + k]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    // ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), as NumPy associates it.
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.sum` of a 1-D float64 array: the identity 0 plus NumPy's pairwise sum. */
export function npSum(a: ArrayLike<number>): number {
  return 0 + pairwiseSum(a);
}

/** `np.trapz(y, x)` (`np.trapezoid` in NumPy 2): Σ Δx·(y[i+1] + y[i]) / 2, pairwise-summed. */
export function trapz(y: ArrayLike<number>, x: ArrayLike<number>): number {
  if (y.length !== x.length) throw new RangeError("trapz: x and y differ in length");
  if (y.length < 2) return 0;
  const terms = new Float64Array(y.length - 1);
  for (let i = 0; i < terms.length; i++) terms[i] = ((x[i + 1] - x[i]) * (y[i + 1] + y[i])) / 2.0;
  return npSum(terms);
}

/** `np.maximum.accumulate` from the right: out[i] = max(a[i..]). (The precision envelope.) */
export function reverseCumulativeMax(a: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(a);
  for (let i = out.length - 2; i >= 0; i--) out[i] = Math.max(out[i], out[i + 1]);
  return out;
}
