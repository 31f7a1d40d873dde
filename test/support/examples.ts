import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const EXAMPLES_DIR = join(import.meta.dirname, "../../examples");

/** Every shipped example: name and text. */
export function exampleFiles(): { name: string; path: string; text: string }[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith(".pipe"))
    .sort()
    .map((name) => ({
      name,
      path: join(EXAMPLES_DIR, name),
      text: readFileSync(join(EXAMPLES_DIR, name), "utf8"),
    }));
}
