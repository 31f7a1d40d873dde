// Writes docs/settings.md from the stage catalogue (`--check` exits 1 when it is stale).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { settingsReferenceMarkdown } from "../compiler/settings/describe.js";

const target = join(import.meta.dirname, "../docs/settings.md");
const text = settingsReferenceMarkdown();
if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== text) {
    console.error("docs/settings.md is stale: run `npx tsx scripts/write-settings-doc.ts`");
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
