/**
 * Decoders of tokenizer.json (`decoder`): tokens → text. ByteLevel for GPT-2/Llama 3/Qwen; the
 * SentencePiece family (Replace ▁ → space, ByteFallback, Fuse, Strip, Metaspace) for Llama 2
 * style and for Pipewright's character tokenizer. Without a decoder, tokens are joined by
 * spaces, as Hugging Face does.
 */
import { fromByteLevel } from "./byte-level.js";
import { asObject, unsupported } from "./components.js";
import { compileTokenizerPattern } from "./hf-regex.js";

/** Decoders work token list → token list (HF's decode_chain); the result is joined. */
export type Decoder = (tokens: string[]) => string[];

const SUPPORTED = [
  "ByteLevel",
  "ByteFallback",
  "Fuse",
  "Replace",
  "Strip",
  "Metaspace",
  "Sequence",
  "BPEDecoder",
];

const utf8Lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

export function buildDecoder(spec: unknown, path: string): Decoder | undefined {
  if (spec === null || spec === undefined) return undefined;
  const d = asObject(spec, "decoder", path);
  switch (d.type) {
    case "ByteLevel":
      return (tokens) => [fromByteLevel(tokens)];
    case "ByteFallback":
      return (tokens) => {
        const out: string[] = [];
        let bytes: number[] = [];
        const flush = () => {
          if (bytes.length === 0) return;
          const text = utf8Lossy.decode(new Uint8Array(bytes), { stream: false });
          // HF: invalid UTF-8 becomes one U+FFFD per byte.
          out.push(
            text.includes("\ufffd") && !isValidUtf8(bytes) ? "\ufffd".repeat(bytes.length) : text,
          );
          bytes = [];
        };
        for (const t of tokens) {
          const m = BYTE_TOKEN.exec(t);
          if (m) bytes.push(parseInt(m[1], 16));
          else {
            flush();
            out.push(t);
          }
        }
        flush();
        return out;
      };
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Replace": {
      const re = compileTokenizerPattern(
        asObject(d.pattern, "Replace.pattern", path) as { Regex?: string; String?: string },
        path,
      );
      const content = String(d.content ?? "");
      return (tokens) => tokens.map((t) => t.replace(re, () => content));
    }
    case "Strip": {
      const content = String(d.content ?? " ");
      const start = Number(d.start ?? 0);
      const stop = Number(d.stop ?? 0);
      return (tokens) =>
        tokens.map((t) => {
          let chars = Array.from(t);
          for (let k = 0; k < start && chars[0] === content; k++) chars = chars.slice(1);
          for (let k = 0; k < stop && chars[chars.length - 1] === content; k++)
            chars = chars.slice(0, -1);
          return chars.join("");
        });
    }
    case "Metaspace": {
      const replacement = typeof d.replacement === "string" ? d.replacement : "▁";
      const scheme =
        typeof d.prepend_scheme === "string"
          ? d.prepend_scheme
          : d.add_prefix_space === false
            ? "never"
            : "always";
      return (tokens) =>
        tokens.map((t, k) => {
          let s = t.replaceAll(replacement, " ");
          if (k === 0 && scheme !== "never" && s.startsWith(" ")) s = s.slice(1);
          return s;
        });
    }
    case "BPEDecoder": {
      const suffix = typeof d.suffix === "string" ? d.suffix : "</w>";
      return (tokens) =>
        tokens.map((t, k) => t.replaceAll(suffix, k === tokens.length - 1 ? "" : " "));
    }
    case "Sequence": {
      const parts = ((d.decoders as unknown[]) ?? [])
        .map((x) => buildDecoder(x, path))
        .filter((x): x is Decoder => !!x);
      return (tokens) => parts.reduce((acc, f) => f(acc), tokens);
    }
    default:
      throw unsupported("decoder", d.type, path, SUPPORTED);
  }
}

function isValidUtf8(bytes: number[]): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
    return true;
  } catch {
    return false;
  }
}
