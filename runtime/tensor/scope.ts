/**
 * Scoped disposal (TF.js's `tidy`). Every tensor created while a scope is open is tracked by
 * the innermost scope; when `tidy(fn)` returns, the tensors it tracked are disposed, except
 * those reachable from its result (moved to the enclosing scope) and those passed to `keep`.
 * Outside any scope tensors live until `dispose()`.
 */
import type { Tensor } from "./tensor.js";

const scopes: Set<Tensor>[] = [];

/** Called by the Tensor constructor. */
export function trackTensor(t: Tensor): void {
  const top = scopes[scopes.length - 1];
  if (top) top.add(t);
}

/** Removes `t` from every open scope, so it survives them; returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Whether a `tidy` scope is open. */
export function inScope(): boolean {
  return scopes.length > 0;
}

/**
 * Runs `fn` in a scope; disposes the tensors it created that are not returned.
 * The result may be a tensor, an array or a plain object (searched one level deep per
 * container, recursively). `fn` must be synchronous: a promise result is rejected.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error("tidy(fn): fn must be synchronous (await outside the tidy)");
  }
  const kept = new Set<Tensor>();
  collectTensors(result, kept, 0);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) {
      if (parent) parent.add(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

function collectTensors(value: unknown, into: Set<Tensor>, depth: number): void {
  if (value === null || typeof value !== "object" || depth > 8) return;
  if (isTensorLike(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

function isTensorLike(v: object): v is Tensor {
  return (v as { __isTensor?: boolean }).__isTensor === true;
}
