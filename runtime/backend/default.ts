/** The backend creation functions use when none is passed (set by createBackend). */
import type { Backend } from "./backend.js";

let current: Backend | null = null;

export function setDefaultBackend(backend: Backend | null): void {
  current = backend;
}

export function getDefaultBackend(): Backend {
  if (!current) {
    throw new Error("no default backend: call `await createBackend()` first or pass { backend }");
  }
  return current;
}

export function hasDefaultBackend(): boolean {
  return current !== null;
}
