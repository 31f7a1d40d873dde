import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { rowValidatorsSource } from "../../../../runtime/data/format/row-validators-source.js";
import { validateRow } from "../../../../runtime/data/format/schemas.js";

const generatedPath = join(
  import.meta.dirname,
  "../../../../runtime/data/format/row-validators.generated.ts",
);

describe("precompiled row validators", () => {
  it("are current with row-schemas.ts (run `npx tsx scripts/write-row-validators.ts`)", async () => {
    const options = (await prettier.resolveConfig(generatedPath)) ?? {};
    const expected = await prettier.format(rowValidatorsSource(), {
      ...options,
      filepath: generatedPath,
    });
    expect(readFileSync(generatedPath, "utf8")).toBe(expected);
  });

  it("accept good rows and name the field of bad ones", () => {
    expect(validateRow("alpaca", { instruction: "a", input: null, output: "b" })).toEqual([]);
    expect(validateRow("alpaca", { instruction: "a" })).toEqual([
      { reason: "missing_field", message: "missing field `output`" },
    ]);
    expect(validateRow("sharegpt", { conversations: [{ from: "bot", value: "x" }] })).toEqual([
      {
        reason: "invalid_field",
        message:
          '`conversations[0].from` must be one of human, gpt, system, user, assistant; got "bot"',
      },
    ]);
    expect(validateRow("preference", { chosen: "a", rejected: "b" })).toEqual([
      { reason: "missing_field", message: "missing field `prompt` (or `instruction`)" },
    ]);
    expect(validateRow("text", "just a string")).toEqual([
      { reason: "invalid_field", message: 'row must be a JSON object, got string "just a string"' },
    ]);
  });
});
