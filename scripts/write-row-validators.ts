/**
 * Writes runtime/data/format/row-validators.generated.ts: the dataset row schemas
 * (runtime/data/format/row-schemas.ts) compiled by ajv into plain validate functions, so the
 * CLI never loads or compiles ajv to check rows. Run after changing a row schema:
 *
 *   npx tsx scripts/write-row-validators.ts
 *
 * test/runtime/data/format/row-validators.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { rowValidatorsSource } from "../runtime/data/format/row-validators-source.js";

const target = join(import.meta.dirname, "../runtime/data/format/row-validators.generated.ts");
const options = (await prettier.resolveConfig(target)) ?? {};
writeFileSync(
  target,
  await prettier.format(rowValidatorsSource(), { ...options, filepath: target }),
);
console.log(`wrote ${target}`);
