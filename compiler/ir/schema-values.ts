/**
 * Building blocks of the IR schema (TypeBox: one definition gives both the JSON Schema that
 * ajv checks and the static TypeScript type). Conditions and operands are recursive; they
 * live in the schema's `$defs` and are referenced by `$ref` wherever they appear.
 */
import { Type, type Static, type TSchema, type TUnion, type TUnsafe } from "@sinclair/typebox";

/** An object that accepts exactly the listed properties. */
export const Obj = <P extends Record<string, TSchema>>(properties: P, doc?: string) =>
  Type.Object(properties, {
    additionalProperties: false,
    ...(doc ? { description: doc } : {}),
  });

export const Opt = Type.Optional;

/**
 * One of the listed strings: `"a" | "b"` statically, `{ type: "string", enum: [...] }` in the
 * schema (an `enum`, unlike a union of `const`s, can tag a discriminated union).
 */
export function Enum<const V extends readonly string[]>(...values: V): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: "string", enum: [...values] });
}

/**
 * A union discriminated by one property (`op`, `method`, `format`): `oneOf` with ajv's
 * `discriminator`, so a validation error names the one branch that applies instead of every
 * branch of the union.
 */
export function Tagged<T extends TSchema[]>(
  tag: string,
  branches: [...T],
): TUnsafe<Static<TUnion<T>>> {
  return Type.Unsafe<Static<TUnion<T>>>({
    type: "object",
    required: [tag],
    properties: { [tag]: { type: "string" } },
    oneOf: branches,
    discriminator: { propertyName: tag },
  });
}

export const Int = (minimum?: number, maximum?: number) =>
  Type.Integer({
    ...(minimum !== undefined ? { minimum } : {}),
    ...(maximum !== undefined ? { maximum } : {}),
  });

export const Num = (minimum?: number, maximum?: number) =>
  Type.Number({
    ...(minimum !== undefined ? { minimum } : {}),
    ...(maximum !== undefined ? { maximum } : {}),
  });

export const Positive = Type.Number({ exclusiveMinimum: 0 });
export const Fraction = Type.Number({ minimum: 0, maximum: 1 });
export const Str = Type.String();
export const Bool = Type.Boolean();

/**
 * Where a setting referred to another stage (`eval { data: sft.val }`), the IR holds
 * `{ $input: "eval.data" }`: the name of the node input (port) that carries it.
 */
export const InputSlot = Obj({ $input: Type.String({ minLength: 1 }) });
export type InputSlot = Static<typeof InputSlot>;

/** An operand of a condition: a value, a metric, a record field, a name or a function call. */
export const Operand = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Number(),
      Type.String(),
      Type.Boolean(),
      Type.Array(Self),
      Obj({ range: Type.Tuple([Self, Self]) }),
      Obj({ metric: Str }),
      Obj({ field: Str, property: Opt(Str) }),
      Obj({ name: Str }),
      Obj({ call: Str, args: Type.Array(Self) }),
    ]),
  { $id: "Operand", description: "an operand of a condition" },
);
export type Operand = Static<typeof Operand>;

export const COMPARISONS = [">=", "<=", ">", "<", "==", "!=", "in"] as const;

/** A condition: data rules (`require`), metric gates and verdict rules share this shape. */
export const Condition = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Boolean(),
      Obj({ op: Enum("and", "or"), args: Type.Tuple([Self, Self]) }),
      Obj({ op: Type.Literal("not"), arg: Self }),
      Obj({ op: Type.Literal("present"), arg: Type.Ref(Operand) }),
      Obj({ op: Enum(...COMPARISONS), left: Type.Ref(Operand), right: Type.Ref(Operand) }),
      Obj({ call: Str, args: Type.Array(Type.Ref(Operand)) }),
    ]),
  { $id: "Condition", description: "a data rule, metric gate or verdict condition" },
);
export type Condition = Static<typeof Condition>;

export const ConditionRef = Type.Ref(Condition);

/** A file a node reads, as it was when the IR was made (its part of the content hash). */
export const FileFingerprint = Type.Union(
  [
    Obj({ path: Str, size: Int(0), mtimeMs: Int(0) }),
    Obj({ path: Str, missing: Type.Literal(true) }),
  ],
  { $id: "FileFingerprint" },
);
export type FileFingerprint = Static<typeof FileFingerprint>;

export const FUSION_KINDS = ["lora-matmul", "nf4-dequant-matmul", "detect-postprocess"] as const;

/** A fusion the runtime should perform (an optimisation, never a change of results). */
export const Fusion = Obj({
  kind: Enum(...FUSION_KINDS),
  /** The kernel that implements the fused operation. */
  kernel: Str,
  /** Modules the fusion applies to (LoRA targets; `*` for every linear layer). */
  modules: Opt(Type.Array(Str)),
  /** The node whose operation is fused into this one's (quantize → attach-adapter). */
  from: Opt(Str),
  /** The node this one's operation is fused into. */
  into: Opt(Str),
  params: Opt(Type.Record(Str, Type.Union([Type.Number(), Type.String(), Type.Boolean()]))),
  note: Str,
});
export type Fusion = Static<typeof Fusion>;

/** What optimisation passes attached to a node. */
export const Annotations = Type.Object(
  {
    fusions: Type.Array(Fusion),
    /** False when the pipeline says `cache: false`: always run. */
    cacheable: Bool,
  },
  { $id: "Annotations", additionalProperties: false },
);
export type Annotations = Static<typeof Annotations>;

export const SHA256 = Type.String({ pattern: "^[0-9a-f]{64}$" });
