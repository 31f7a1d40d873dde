/**
 * Kept for the kernels that import it: parameter blocks are now cached by launch.ts's
 * `uniformBuffer`, and packing lives in param-words.ts.
 */
import { uniformBuffer } from "./launch.js";

export { packWords, largestF32AtMost } from "./param-words.js";

/** A uniform buffer holding `words`, shared by identical contents (see `uniformBuffer`). */
export function cachedUniform(device: GPUDevice, words: Uint32Array): GPUBuffer {
  return uniformBuffer(device, words);
}
