/**
 * JSON Schemas of the row formats (draft-07). The one source of truth for what a row of each
 * format must hold: scripts/write-row-validators.ts compiles them with ajv into
 * row-validators.generated.ts (so neither `pipe check` nor `pipe run` loads and compiles ajv at
 * start-up), and the compiler shows them in messages.
 */
import type { DatasetFormat } from "./record.js";

export const SHAREGPT_ROLES = ["human", "gpt", "system", "user", "assistant"] as const;

export const ALPACA_SCHEMA = {
  $id: "pipewright/dataset/alpaca",
  title: "Alpaca row",
  type: "object",
  required: ["instruction", "output"],
  properties: {
    instruction: { type: "string" },
    input: { type: ["string", "null"] },
    output: { type: "string" },
  },
} as const;

export const SHAREGPT_SCHEMA = {
  $id: "pipewright/dataset/sharegpt",
  title: "ShareGPT row",
  type: "object",
  required: ["conversations"],
  properties: {
    conversations: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["from", "value"],
        properties: {
          from: { enum: [...SHAREGPT_ROLES] },
          value: { type: "string" },
        },
      },
    },
    system: { type: ["string", "null"] },
  },
} as const;

export const PREFERENCE_SCHEMA = {
  $id: "pipewright/dataset/preference",
  title: "Preference row",
  type: "object",
  required: ["chosen", "rejected"],
  anyOf: [{ required: ["prompt"] }, { required: ["instruction"] }],
  properties: {
    prompt: { type: "string" },
    instruction: { type: "string" },
    input: { type: ["string", "null"] },
    chosen: { type: "string" },
    rejected: { type: "string" },
  },
} as const;

export const TEXT_SCHEMA = {
  $id: "pipewright/dataset/text",
  title: "Plain-text row",
  type: "object",
  required: ["text"],
  properties: { text: { type: "string" } },
} as const;

export const DATASET_SCHEMAS: Record<DatasetFormat, object> = {
  alpaca: ALPACA_SCHEMA,
  sharegpt: SHAREGPT_SCHEMA,
  preference: PREFERENCE_SCHEMA,
  text: TEXT_SCHEMA,
};
