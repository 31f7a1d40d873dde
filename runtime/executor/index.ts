/** The executor's public API (see README.md in this folder). */
export { runPipeline } from "./run-pipeline.js";
export { createRegistry, notImplemented, notImplementedError } from "./registry.js";
export { defaultRegistry } from "./handlers/index.js";
export { createRunPaths, isInside, type RunPaths } from "./paths.js";
export * from "./types.js";
