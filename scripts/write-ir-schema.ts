/**
 * Writes compiler/ir/schema.json from the TypeBox definition (compiler/ir/schema.ts), the one
 * source of truth for the IR. Run after changing the IR:
 *
 *   npx tsx scripts/write-ir-schema.ts
 *
 * test/compiler/ir/schema-json.test.ts fails when the committed file is out of date.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { irJsonSchemaText } from "../compiler/ir/schema.js";

export const IR_SCHEMA_PATH = join(import.meta.dirname, "../compiler/ir/schema.json");

writeFileSync(IR_SCHEMA_PATH, irJsonSchemaText());
console.log(`wrote ${IR_SCHEMA_PATH}`);
