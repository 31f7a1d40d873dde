/**
 * A Hugging Face `tokenizer.json` tokenizer (BPE model: byte-level like GPT-2 / Llama 3 / Qwen,
 * or SentencePiece-style with byte fallback), implemented here rather than bound from Rust.
 * Encoding follows HF's order: split on added tokens → normalise → pre-tokenize → BPE → (when
 * asked) post-process with special tokens. `encode` adds no special tokens unless asked: the
 * data layer adds BOS/EOS itself so label masks stay exact.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import { AddedVocabulary, type AddedToken } from "./added-vocabulary.js";
import { BpeModel } from "./bpe-model.js";
import { asObject, unsupported, type Json } from "./components.js";
import { buildDecoder, type Decoder } from "./decoders.js";
import { buildNormalizer, type Normalizer } from "./normalizers.js";
import { buildPostProcessor, type PostProcessor } from "./post-processors.js";
import { buildPreTokenizer, type PreTokenizer } from "./pre-tokenizers.js";
import { readTokenizerConfig, type TokenizerConfig } from "./tokenizer-config.js";

export interface SpecialToken {
  token: string;
  id: number;
}

export interface TokenizerOverrides {
  bos?: string | null;
  eos?: string | null;
  pad?: string | null;
  /** Whether sequences start with BOS; default from the post-processor or `add_bos_token`. */
  addBos?: boolean;
}

export interface EncodeOptions {
  /** Add the post-processor's special tokens (HF `add_special_tokens`). Default false. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
}

const BOS_NAMES = ["<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>"];
const EOS_NAMES = ["<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>"];
const PAD_NAMES = ["<pad>", "<|pad|>", "[PAD]", "<|finetune_right_pad_id|>"];

export class Tokenizer {
  readonly json: Json;
  readonly model: BpeModel;
  readonly added: AddedVocabulary;
  private readonly normalizer?: Normalizer;
  private readonly preTokenizer?: PreTokenizer;
  private readonly postProcessor?: PostProcessor;
  private readonly decoder?: Decoder;
  readonly bos?: SpecialToken;
  readonly eos?: SpecialToken;
  readonly pad?: SpecialToken;
  readonly unk?: SpecialToken;
  readonly addBos: boolean;
  readonly config?: TokenizerConfig;
  readonly vocabSize: number;

  constructor(
    json: unknown,
    options: { path?: string; config?: TokenizerConfig; overrides?: TokenizerOverrides } = {},
  ) {
    const path = options.path ?? "tokenizer.json";
    this.json = asObject(json, "tokenizer.json", path);
    const model = asObject(this.json.model, "model", path);
    if (model.type !== "BPE" && !(model.type === undefined && "merges" in model)) {
      throw unsupported("model", model.type, path, ["BPE"]);
    }
    this.model = new BpeModel(model, path);
    this.normalizer = buildNormalizer(this.json.normalizer, path);
    this.preTokenizer = buildPreTokenizer(this.json.pre_tokenizer, path);
    this.postProcessor = buildPostProcessor(this.json.post_processor, path);
    this.decoder = buildDecoder(this.json.decoder, path);
    const addedJson = this.json.added_tokens ?? [];
    if (!Array.isArray(addedJson))
      throw new PipeError("PW6501", "added_tokens must be a list", { path });
    this.added = new AddedVocabulary(addedJson as AddedToken[], this.normalizer, path);
    this.config = options.config;

    let maxId = -1;
    for (const id of this.model.vocab.values()) maxId = Math.max(maxId, id);
    for (const t of this.added.tokens) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;

    const o = options.overrides ?? {};
    const c = options.config;
    const resolve = (
      role: string,
      override: string | null | undefined,
      fromConfig: string | undefined,
      names: string[],
    ) => {
      if (override === null) return undefined;
      const wanted = override ?? fromConfig;
      if (wanted !== undefined) {
        const id = this.tokenToId(wanted);
        if (id === undefined) {
          throw new PipeError(
            "PW6504",
            `${role} token ${JSON.stringify(wanted)} is not in the vocabulary`,
            { path },
          );
        }
        return { token: wanted, id };
      }
      for (const name of names) {
        const id = this.added.idOf(name);
        if (id !== undefined) return { token: name, id };
      }
      return undefined;
    };
    // Without a tokenizer_config.json the roles are guessed from well-known special tokens.
    const guess = !c;
    this.bos = resolve("bos", o.bos, c?.bosToken, guess ? BOS_NAMES : []);
    this.eos = resolve("eos", o.eos, c?.eosToken, guess ? EOS_NAMES : []);
    this.pad = resolve("pad", o.pad, c?.padToken, guess ? PAD_NAMES : []);
    if (this.model.unkToken !== undefined)
      this.unk = {
        token: this.model.unkToken,
        id: this.model.vocab.get(this.model.unkToken) as number,
      };
    this.addBos =
      o.addBos ??
      c?.addBosToken ??
      (this.bos !== undefined &&
        this.postProcessor !== undefined &&
        this.postProcessor.prefix.includes(this.bos.id));
  }

  /** Loads `tokenizer.json` (a file, or a model directory holding it and tokenizer_config.json). */
  static load(pathOrDir: string, overrides?: TokenizerOverrides): Tokenizer {
    let file = pathOrDir;
    if (existsSync(pathOrDir) && statSync(pathOrDir).isDirectory())
      file = join(pathOrDir, "tokenizer.json");
    if (!existsSync(file)) {
      throw new PipeError(
        "PW6501",
        "tokenizer.json not found",
        { path: file },
        "a model directory needs tokenizer.json (Hugging Face format)",
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new PipeError("PW6501", `tokenizer.json is not valid JSON: ${(err as Error).message}`, {
        path: file,
      });
    }
    const dir = dirname(file);
    const config =
      existsSync(join(dir, "tokenizer_config.json")) || existsSync(join(dir, "chat_template.jinja"))
        ? readTokenizerConfig(dir)
        : undefined;
    return new Tokenizer(json, { path: file, config, overrides });
  }

  get bosId(): number | undefined {
    return this.bos?.id;
  }
  get eosId(): number | undefined {
    return this.eos?.id;
  }
  /** Padding id: the pad token, else EOS (the usual choice for decoder-only models). */
  get padId(): number | undefined {
    return this.pad?.id ?? this.eos?.id;
  }

  tokenToId(token: string): number | undefined {
    return this.added.idOf(token) ?? this.model.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.added.tokenOf(id)?.content ?? this.model.idToToken.get(id);
  }

  /** Token strings of a text (for inspection and tests). */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.idToToken(id) ?? "");
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    for (const seg of this.added.extractAndNormalize(text, this.normalizer)) {
      if (seg.id !== undefined) {
        ids.push(seg.id);
        continue;
      }
      const words = this.preTokenizer
        ? this.preTokenizer([{ text: seg.text, first: seg.first }])
        : [{ text: seg.text, first: seg.first }];
      for (const w of words) ids.push(...this.model.tokenize(w.text));
    }
    if (options.addSpecialTokens && this.postProcessor) return this.postProcessor.apply(ids);
    return ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (options.skipSpecialTokens && this.added.isSpecial(id)) continue;
      const t = this.idToToken(id);
      if (t !== undefined) tokens.push(t);
    }
    return this.decoder ? this.decoder(tokens).join("") : tokens.join(" ");
  }
}
