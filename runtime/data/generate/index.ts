/**
 * Data generators named in `.pipe` files (`generate: arithmetic_zh { rows: 2000, seed: 7 }`):
 * they write the dataset file when it does not exist yet, so examples run on a fresh machine
 * with nothing downloaded. Deterministic for a seed; written atomically.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { arithmeticAlpacaRows, arithmeticTextLines } from "./arithmetic-zh.js";
import { categoryAlpacaRows, categoryTextLines } from "./categories-zh.js";
import { chatRows } from "./chat-zh-en.js";
import { noisyInstructionLines } from "./noisy-instructions.js";

export type GeneratorName = "arithmetic_zh" | "categories_zh" | "chat_zh_en" | "noisy_instructions";

export interface GeneratorSettings {
  kind: GeneratorName;
  rows?: number;
  seed?: number;
  format?: "alpaca" | "text";
  bad_rows?: number;
}

/** The file contents a generator produces for a target path (format from settings/extension). */
export function generateDatasetText(settings: GeneratorSettings, path: string): string {
  const rows = settings.rows ?? 2000;
  const seed = settings.seed ?? 0;
  switch (settings.kind) {
    case "arithmetic_zh": {
      const asText =
        settings.format === "text" || (settings.format === undefined && path.endsWith(".txt"));
      if (asText) return arithmeticTextLines({ rows, seed }).join("\n") + "\n";
      return toJsonl(arithmeticAlpacaRows({ rows, seed }));
    }
    case "categories_zh": {
      const asText =
        settings.format === "text" || (settings.format === undefined && path.endsWith(".txt"));
      if (asText) return categoryTextLines({ rows, seed }).join("\n") + "\n";
      return toJsonl(categoryAlpacaRows({ rows, seed }));
    }
    case "chat_zh_en": {
      const data = chatRows({ rows, seed });
      return path.endsWith(".json") ? JSON.stringify(data, null, 1) + "\n" : toJsonl(data);
    }
    case "noisy_instructions":
      return (
        noisyInstructionLines({ rows, seed, bad_rows: settings.bad_rows ?? 0.02 }).join("\n") + "\n"
      );
  }
}

function toJsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/** Writes the generated file (temp file + rename, so a crash never leaves half a dataset). */
export async function writeGeneratedDataset(
  settings: GeneratorSettings,
  path: string,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, generateDatasetText(settings, path), "utf8");
  await rename(temp, path);
}
