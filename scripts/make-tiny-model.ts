/**
 * Writes tiny Hugging Face-style Llama directories used as test fixtures:
 *
 *   tiny-llama/               the main fixture: config.json, model.safetensors (F32, seeded
 *                             random weights, HF tensor names), tokenizer.json (byte-level BPE:
 *                             4 specials + 256 bytes + 12 merges), tokenizer_config.json,
 *                             generation_config.json
 *   tiny-llama-student/       a smaller model with the same tokenizer and tied embeddings
 *   tiny-llama-sharded/       the student's weights split over two shards + index
 *   tiny-llama-missing-shard/ the same index, second shard absent
 *   tiny-llama-bad-shapes/    the student's config, one tensor ([48, 16] up_proj) disagrees
 *   tiny-llama-other-vocab/   config + a tokenizer whose merges get different ids (no weights)
 *
 * Deterministic: same script, same bytes (a test regenerates and compares).
 * Usage: npx tsx scripts/make-tiny-model.ts [outDir=test/fixtures/models]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { createRng } from "../runtime/util/random.js";
import { floatTensor, writeSafetensors, type TensorToWrite } from "../runtime/io/safetensors.js";
import { expectedTensors, parseLlamaConfig } from "../compiler/world/llama-config.js";

export const SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"] as const;

/** Byte-level BPE merges, in byte-level (GPT-2) alphabet: "Ġ" is the space byte. */
export const TINY_MERGES = [
  "Ġ t",
  "h e",
  "i n",
  "Ġ a",
  "e r",
  "o n",
  "Ġt he",
  "r e",
  "a n",
  "e n",
  "Ġ s",
  "o r",
];

/** GPT-2's reversible byte → printable-character map used by byte-level BPE. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return out;
}

/** Vocabulary: specials 0–3, bytes 4–259 (id = 4 + byte), then one id per merge. */
export function tinyVocab(merges: readonly string[] = TINY_MERGES): Record<string, number> {
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  bytesToUnicode().forEach((ch, b) => (vocab[ch] = SPECIAL_TOKENS.length + b));
  let id = SPECIAL_TOKENS.length + 256;
  for (const m of merges) {
    const merged = m.replace(" ", "");
    if (vocab[merged] === undefined) vocab[merged] = id++;
  }
  return vocab;
}

export function tinyTokenizerJson(merges: readonly string[] = TINY_MERGES): object {
  const byteLevel = {
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: true,
  };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<s>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: tinyVocab(merges),
      merges: [...merges],
    },
  };
}

export const TINY_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n" +
  "{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}";

export function tinyTokenizerConfig(): object {
  return {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: "<s>",
    eos_token: "</s>",
    pad_token: "<pad>",
    unk_token: "<unk>",
    model_max_length: 128,
    tokenizer_class: "PreTrainedTokenizerFast",
    clean_up_tokenization_spaces: false,
    chat_template: TINY_CHAT_TEMPLATE,
  };
}

const VOCAB_SIZE = SPECIAL_TOKENS.length + 256 + TINY_MERGES.length; // 272

function llamaConfig(sizes: {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  tie_word_embeddings: boolean;
}): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    attention_bias: false,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 3,
    hidden_act: "silu",
    ...sizes,
    head_dim: sizes.hidden_size / sizes.num_attention_heads,
    initializer_range: 0.02,
    max_position_embeddings: 128,
    mlp_bias: false,
    model_type: "llama",
    rms_norm_eps: 1e-6,
    rope_theta: 10000.0,
    torch_dtype: "float32",
    vocab_size: VOCAB_SIZE,
  };
}

export const TINY_LLAMA_CONFIG = llamaConfig({
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  tie_word_embeddings: false,
});

export const TINY_STUDENT_CONFIG = llamaConfig({
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  tie_word_embeddings: true,
});

/**
 * Seeded weights with Hugging Face names: embeddings N(0, 1), linear weights N(0, 1/in),
 * norm weights 1 + N(0, 0.1²) (not all ones, so a forward pass that ignores them differs).
 */
export function tinyWeights(
  config: Record<string, unknown>,
  seed: number,
): Map<string, TensorToWrite> {
  const parsed = parseLlamaConfig(config);
  if (!parsed.arch) throw new Error(parsed.issues.map((i) => i.message).join("\n"));
  const rng = createRng(seed);
  const out = new Map<string, TensorToWrite>();
  for (const t of expectedTensors(parsed.arch)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const std = t.role === "linear" ? 1 / Math.sqrt(t.shape[1]) : t.role === "norm" ? 0.1 : 1;
    for (let i = 0; i < n; i++) values[i] = (t.role === "norm" ? 1 : 0) + std * rng.normal();
    out.set(t.name, floatTensor(values, t.shape, "F32"));
  }
  return out;
}

const META = { format: "pt" };

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

function freshDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

function writeTokenizer(dir: string, merges: readonly string[] = TINY_MERGES): void {
  writeJson(path.join(dir, "tokenizer.json"), tinyTokenizerJson(merges));
  writeJson(path.join(dir, "tokenizer_config.json"), tinyTokenizerConfig());
}

function writeSharded(
  dir: string,
  weights: Map<string, TensorToWrite>,
  writeSecond: boolean,
): void {
  const names = [...weights.keys()];
  const split = Math.ceil(names.length / 2);
  const shards = [names.slice(0, split), names.slice(split)];
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  shards.forEach((group, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const tensors = new Map(group.map((n) => [n, weights.get(n)!]));
    for (const n of group) {
      weightMap[n] = file;
      totalSize += weights.get(n)!.data.byteLength;
    }
    if (i === 0 || writeSecond) writeSafetensors(path.join(dir, file), tensors, META);
  });
  const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeJson(path.join(dir, "model.safetensors.index.json"), {
    metadata: { total_size: totalSize },
    weight_map: sorted,
  });
}

export function writeTinyModels(outDir: string): string[] {
  const written: string[] = [];
  const make = (name: string): string => {
    const dir = path.join(outDir, name);
    freshDir(dir);
    written.push(dir);
    return dir;
  };

  const main = make("tiny-llama");
  writeJson(path.join(main, "config.json"), TINY_LLAMA_CONFIG);
  writeJson(path.join(main, "generation_config.json"), {
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 3,
  });
  writeSafetensors(
    path.join(main, "model.safetensors"),
    tinyWeights(TINY_LLAMA_CONFIG, 1234),
    META,
  );
  writeTokenizer(main);

  const studentWeights = tinyWeights(TINY_STUDENT_CONFIG, 5678);
  const student = make("tiny-llama-student");
  writeJson(path.join(student, "config.json"), TINY_STUDENT_CONFIG);
  writeSafetensors(path.join(student, "model.safetensors"), studentWeights, META);
  writeTokenizer(student);

  const sharded = make("tiny-llama-sharded");
  writeJson(path.join(sharded, "config.json"), TINY_STUDENT_CONFIG);
  writeSharded(sharded, studentWeights, true);

  const missing = make("tiny-llama-missing-shard");
  writeJson(path.join(missing, "config.json"), TINY_STUDENT_CONFIG);
  writeSharded(missing, studentWeights, false);

  const bad = make("tiny-llama-bad-shapes");
  writeJson(path.join(bad, "config.json"), TINY_STUDENT_CONFIG);
  const badWeights = new Map(studentWeights);
  const rng = createRng(91);
  badWeights.set(
    "model.layers.0.mlp.up_proj.weight",
    floatTensor(
      Float32Array.from({ length: 48 * 16 }, () => rng.normal() / 4),
      [48, 16],
      "F32",
    ),
  );
  writeSafetensors(path.join(bad, "model.safetensors"), badWeights, META);

  const other = make("tiny-llama-other-vocab");
  writeJson(path.join(other, "config.json"), TINY_STUDENT_CONFIG);
  // Same tokens, but the first two merges swapped: "Ġt" and "he" trade ids.
  writeTokenizer(other, [TINY_MERGES[1], TINY_MERGES[0], ...TINY_MERGES.slice(2)]);
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? path.join("test", "fixtures", "models");
  for (const dir of writeTinyModels(outDir)) {
    let bytes = 0;
    for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
    console.log(`${dir}: ${fs.readdirSync(dir).length} files, ${bytes} bytes`);
  }
}
