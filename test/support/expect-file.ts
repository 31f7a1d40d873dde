/**
 * Baseline ("expect") files: a test renders its output and compares it with a committed file;
 * with UPDATE_EXPECT=1 it writes the file instead. Review baseline diffs like code.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

export function expectMatchesFile(actual: string, expectedPath: string): void {
  if (process.env.UPDATE_EXPECT === "1" || !existsSync(expectedPath)) {
    if (process.env.CI && !existsSync(expectedPath)) {
      throw new Error(
        `missing baseline ${expectedPath} (run the tests with UPDATE_EXPECT=1 and commit it)`,
      );
    }
    writeFileSync(expectedPath, actual);
    return;
  }
  expect(actual).toBe(readFileSync(expectedPath, "utf8"));
}
