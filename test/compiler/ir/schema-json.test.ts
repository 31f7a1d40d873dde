/**
 * One source of truth: compiler/ir/schema.json is generated from the TypeBox definition
 * (scripts/write-ir-schema.ts), and the static types come from the same definition.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  IR_OPS,
  OP_PORTS,
  irJsonSchema,
  irJsonSchemaText,
  type IrNode,
  type IrNodeOf,
  type PipelineIr,
} from "../../../compiler/ir/schema.js";
import { compileIrValidator } from "../../../compiler/ir/validate.js";

const SCHEMA_PATH = join(import.meta.dirname, "../../../compiler/ir/schema.json");

describe("compiler/ir/schema.json", () => {
  it("is exactly what scripts/write-ir-schema.ts generates", () => {
    const committed = readFileSync(SCHEMA_PATH, "utf8");
    // If this fails: npx tsx scripts/write-ir-schema.ts
    expect(committed).toBe(irJsonSchemaText());
    expect(JSON.parse(committed)).toEqual(irJsonSchema());
  });

  it("compiles with ajv in strict mode", () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as Record<string, unknown>;
    expect(() => compileIrValidator(schema)).not.toThrow();
  });

  it("has one node schema per operation, tagged by `op`", () => {
    const schema = irJsonSchema() as {
      properties: { nodes: { items: { oneOf: { properties: { op: { const: string } } }[] } } };
    };
    const ops = schema.properties.nodes.items.oneOf.map((n) => n.properties.op.const);
    expect(ops).toEqual(IR_OPS);
    expect(IR_OPS).toHaveLength(19);
    expect(Object.keys(OP_PORTS)).toEqual(IR_OPS);
  });

  it("gives static types from the same definition", () => {
    expectTypeOf<IrNodeOf<"train">["settings"]["mode"]>().toEqualTypeOf<"sft" | "pretrain">();
    expectTypeOf<IrNodeOf<"train">["settings"]["optimizer"]["kind"]>().toEqualTypeOf<
      "adamw" | "adamw8bit"
    >();
    expectTypeOf<IrNodeOf<"quantize">["settings"]["format"]>().toEqualTypeOf<"nf4">();
    expectTypeOf<IrNode["op"]>().toEqualTypeOf<(typeof IR_OPS)[number]>();
    expectTypeOf<PipelineIr["irVersion"]>().toEqualTypeOf<1>();
    type Lora = Extract<IrNodeOf<"attach-adapter">["settings"], { method: "lora" }>;
    expectTypeOf<Lora["rank"]>().toEqualTypeOf<number>();
    expectTypeOf<Lora["targets"]>().toEqualTypeOf<string[]>();
  });
});
