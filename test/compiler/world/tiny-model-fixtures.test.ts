import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModels } from "../../../scripts/make-tiny-model.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pw-tiny-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("scripts/make-tiny-model.ts", () => {
  it("regenerates the committed fixtures byte for byte (deterministic, seeded)", () => {
    const dirs = writeTinyModels(tmp);
    expect(dirs.map((d) => path.basename(d))).toEqual([
      "tiny-llama",
      "tiny-llama-student",
      "tiny-llama-sharded",
      "tiny-llama-missing-shard",
      "tiny-llama-bad-shapes",
      "tiny-llama-other-vocab",
    ]);
    for (const dir of dirs) {
      const committed = path.join(MODELS, path.basename(dir));
      expect(fs.readdirSync(dir).sort()).toEqual(fs.readdirSync(committed).sort());
      for (const f of fs.readdirSync(dir)) {
        expect(
          fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(committed, f))),
          f,
        ).toBe(true);
      }
    }
  });

  it("keeps the main fixture under 200 KB", () => {
    const dir = path.join(MODELS, "tiny-llama");
    const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    expect(bytes).toBeLessThan(200 * 1024);
  });
});
