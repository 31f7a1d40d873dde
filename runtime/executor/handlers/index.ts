/**
 * The default handler registry: every handler module registers what it can run; then each
 * operation gets a refusing fallback (PW8011), so an operation nobody serves fails clearly.
 */
import { IR_OPS } from "../../../compiler/ir/schema.js";
import { createRegistry, notImplemented } from "../registry.js";
import type { HandlerRegistry } from "../types.js";
import { dataHandlers } from "./data.js";
import { detectionDataHandlers } from "./detection-data.js";
import { detectionHandlers } from "./detection.js";
import { exportHandlers } from "./export.js";
import { llmHandlers } from "./llm.js";
import { tokenizeHandlers } from "./tokenize.js";

export function defaultRegistry(): HandlerRegistry {
  const registry = createRegistry([
    ...dataHandlers(),
    ...detectionDataHandlers(),
    ...tokenizeHandlers(),
    ...exportHandlers(),
    ...llmHandlers(),
    ...detectionHandlers(),
  ]);
  for (const op of IR_OPS) registry.register(notImplemented(op, "fallback"));
  return registry;
}
