/**
 * Post-processors of tokenizer.json (`post_processor`): what `add_special_tokens` adds around a
 * sequence — Llama 3's `<|begin_of_text|>` via TemplateProcessing, RoBERTa's `<s> … </s>`.
 * ByteLevel post-processing only trims offsets, so it leaves ids alone.
 */
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { asObject, unsupported, type Json } from "./components.js";

export interface PostProcessor {
  /** Ids with special tokens added, for one sequence (and an optional pair). */
  apply(ids: number[], pair?: number[]): number[];
  /** Ids the processor puts before / after a single sequence. */
  readonly prefix: number[];
  readonly suffix: number[];
}

const SUPPORTED = [
  "TemplateProcessing",
  "ByteLevel",
  "RobertaProcessing",
  "BertProcessing",
  "Sequence",
];

type Piece = { SpecialToken: { id: string } } | { Sequence: { id: "A" | "B" } };

function templatePieces(list: unknown, specials: Json, path: string): (number[] | "A" | "B")[] {
  if (!Array.isArray(list))
    throw new PipeError("PW6501", "TemplateProcessing template must be a list", { path });
  return (list as Piece[]).map((p) => {
    if ("Sequence" in p) return p.Sequence.id;
    const name = p.SpecialToken.id;
    const entry = specials[name] as { ids?: number[] } | undefined;
    if (!entry || !Array.isArray(entry.ids)) {
      throw new PipeError(
        "PW6504",
        `TemplateProcessing uses ${JSON.stringify(name)}, which is not in its special_tokens`,
        { path },
      );
    }
    return entry.ids;
  });
}

function fromTemplate(
  single: (number[] | "A" | "B")[],
  pair: (number[] | "A" | "B")[],
): PostProcessor {
  const expand = (tpl: (number[] | "A" | "B")[], a: number[], b: number[]) =>
    tpl.flatMap((p) => (p === "A" ? a : p === "B" ? b : p));
  const at = single.indexOf("A");
  return {
    apply: (ids, second) => (second ? expand(pair, ids, second) : expand(single, ids, [])),
    prefix: single.slice(0, at).flat() as number[],
    suffix: single.slice(at + 1).flat() as number[],
  };
}

export function buildPostProcessor(spec: unknown, path: string): PostProcessor | undefined {
  if (spec === null || spec === undefined) return undefined;
  const p = asObject(spec, "post_processor", path);
  switch (p.type) {
    case "ByteLevel":
      return undefined;
    case "TemplateProcessing": {
      const specials = asObject(p.special_tokens ?? {}, "special_tokens", path);
      return fromTemplate(
        templatePieces(p.single, specials, path),
        templatePieces(p.pair ?? p.single, specials, path),
      );
    }
    case "RobertaProcessing": {
      const [, cls] = p.cls as [string, number];
      const [, sep] = p.sep as [string, number];
      return fromTemplate([[cls], "A", [sep]], [[cls], "A", [sep, sep], "B", [sep]]);
    }
    case "BertProcessing": {
      const [, cls] = p.cls as [string, number];
      const [, sep] = p.sep as [string, number];
      return fromTemplate([[cls], "A", [sep]], [[cls], "A", [sep], "B", [sep]]);
    }
    case "Sequence": {
      const parts = ((p.processors as unknown[]) ?? [])
        .map((x) => buildPostProcessor(x, path))
        .filter((x): x is PostProcessor => !!x);
      if (parts.length === 0) return undefined;
      if (parts.length > 1)
        throw new PipeError(
          "PW6502",
          "a Sequence with more than one id-changing post-processor is not supported",
          { path },
        );
      return parts[0];
    }
    default:
      throw unsupported("post-processor", p.type, path, SUPPORTED);
  }
}
