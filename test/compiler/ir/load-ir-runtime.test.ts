/**
 * runtime/ir/load-ir.ts: the runtime re-validates IR with compiler/ir/schema.json and checks
 * the graph; bad IR is a PipeError naming the place, never a crash. (The runtime's side of the
 * IR contract, tested here next to the compiler's side.)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { PipeError } from "../../../compiler/diagnostics/pipe-error.js";
import type { PipelineIr } from "../../../compiler/ir/schema.js";
import { INVALID_IR_CODE, loadIr, readIrFile } from "../../../runtime/ir/load-ir.js";
import { EXAMPLES_DIR } from "../../support/examples.js";
import { compileText } from "./compile-text.js";

let good: PipelineIr;
const copy = (): PipelineIr => JSON.parse(JSON.stringify(good)) as PipelineIr;

beforeAll(async () => {
  const path = join(EXAMPLES_DIR, "alpaca-zh-qlora.pipe");
  good = await compileText(readFileSync(path, "utf8"), { file: path });
});

function refusal(ir: unknown): PipeError {
  try {
    loadIr(ir, "ir.json");
  } catch (err) {
    expect(err).toBeInstanceOf(PipeError);
    expect((err as PipeError).code).toBe(INVALID_IR_CODE);
    expect(INVALID_IR_CODE).toBe("PW8050");
    expect((err as PipeError).where()).toBe("ir.json");
    return err as PipeError;
  }
  throw new Error("expected the IR to be refused");
}

const index = (ir: PipelineIr, id: string) => ir.nodes.findIndex((n) => n.id === id);

describe("loadIr", () => {
  it("accepts what the compiler emits", () => {
    expect(loadIr(copy()).nodes).toHaveLength(good.nodes.length);
  });

  it("refuses another IR version with a hint", () => {
    const ir = { ...copy(), irVersion: 2 };
    const err = refusal(ir);
    expect(err.message).toContain("IR version 2 is not supported");
    expect(err.hint).toContain("compile");
  });

  it("names the exact place of a schema violation", () => {
    const ir = copy();
    const i = index(ir, "qlora/attach-adapter");
    (ir.nodes[i].settings as { rank: unknown }).rank = 2.5;
    expect(refusal(ir).message).toContain(`/nodes/${i}/settings/rank: must be integer`);
  });

  it("refuses an unknown operation and unknown settings", () => {
    const a = copy();
    (a.nodes[0] as { op: string }).op = "teleport";
    expect(refusal(a).message).toMatch(/\/nodes\/0/);
    const b = copy();
    (b.nodes[1].settings as Record<string, unknown>).surprise = 1;
    expect(refusal(b).message).toContain("must NOT have additional properties (`surprise`)");
  });

  it("refuses inputs that are not earlier nodes", () => {
    const ir = copy();
    ir.nodes.reverse();
    expect(refusal(ir).message).toMatch(/which is not an earlier node/);
  });

  it("refuses an input from an output the producer does not have", () => {
    const ir = copy();
    const i = index(ir, "sft.train/tokenize@base");
    ir.nodes[i].inputs[0].output = "holdout";
    ir.edges = ir.edges.map((e) =>
      e.to === ir.nodes[i].id && e.port === "data" ? { ...e, output: "holdout" } : e,
    );
    expect(refusal(ir).message).toContain("`sft/split` has no output `holdout`");
  });

  it("refuses edges that disagree with the inputs", () => {
    const ir = copy();
    ir.edges.pop();
    expect(refusal(ir).message).toContain("the edges do not match");
  });

  it("refuses a setting slot without its input", async () => {
    // A training stage with an `eval { data: … }` block (the flagship evaluates in stages).
    const path = join(EXAMPLES_DIR, "sharegpt-chat-lora.pipe");
    const ir = await compileText(readFileSync(path, "utf8"), { file: path });
    const i = index(ir, "run/train");
    ir.nodes[i].inputs = ir.nodes[i].inputs.filter((x) => x.port !== "eval.data");
    ir.edges = ir.edges.filter((e) => !(e.to === "run/train" && e.port === "eval.data"));
    expect(refusal(ir).message).toContain("a setting reads input `eval.data`");
  });

  it("refuses duplicate ids and exports that name other nodes", () => {
    const a = copy();
    a.nodes[1].id = a.nodes[0].id;
    expect(refusal(a).message).toMatch(/used twice|not an earlier node/);
    const b = copy();
    b.exports[0].node = "run/train";
    expect(refusal(b).message).toContain("not an export node");
  });

  it("reads IR files, refusing missing files and text that is not JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipe-ir-load-"));
    writeFileSync(join(dir, "good.json"), JSON.stringify(good));
    writeFileSync(join(dir, "bad.json"), "{ nope");
    expect((await readIrFile(join(dir, "good.json"))).pipeline.name).toBe("alpaca-zh-qlora");
    await expect(readIrFile(join(dir, "bad.json"))).rejects.toThrow(/not JSON/);
    await expect(readIrFile(join(dir, "missing.json"))).rejects.toThrow(/no such file/);
  });
});
