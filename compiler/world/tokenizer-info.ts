/**
 * What the compiler needs to know about a Hugging Face tokenizer without running it: its
 * token → id map, size and special tokens (from `tokenizer.json` and `tokenizer_config.json`),
 * and whether a teacher and a student share a vocabulary (logit distillation compares
 * distributions position by position, so both must index the same tokens the same way).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { WORLD } from "../diagnostics/codes/world.js";
import type { WorldIssue } from "./world-issue.js";

export const SPECIAL_TOKEN_ROLES = ["bos", "eos", "pad", "unk"] as const;
export type SpecialTokenRole = (typeof SPECIAL_TOKEN_ROLES)[number];

export interface SpecialToken {
  content: string;
  /** Its id in the vocabulary; undefined when the token is not in it. */
  id?: number;
}

export interface TokenizerInfo {
  path: string;
  /** `model.type` of tokenizer.json: BPE, WordPiece, Unigram, WordLevel. */
  modelType: string;
  /** Token → id, the model's vocabulary plus `added_tokens`. */
  vocab: Map<string, number>;
  /** max id + 1: the number of logit rows the tokenizer can address. */
  size: number;
  addedTokens: { id: number; content: string; special: boolean }[];
  special: Partial<Record<SpecialTokenRole, SpecialToken>>;
  chatTemplate?: string;
  /** sha256 over the sorted (id, token) pairs: equal fingerprints ⇔ equal maps. */
  fingerprint: string;
}

function invalid(file: string, message: string): WorldIssue {
  return {
    code: WORLD.tokenizerInvalid,
    severity: "error",
    message: `${file}: ${message}`,
    path: file,
  };
}

function readJson(file: string, issues: WorldIssue[]): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    issues.push(
      invalid(file, e.code ? `cannot read (${e.code})` : `not valid JSON (${e.message})`),
    );
    return undefined;
  }
}

function tokenContent(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { content?: unknown }).content === "string"
  ) {
    return (v as { content: string }).content;
  }
  return undefined;
}

/** Reads `tokenizer.json` (required) and `tokenizer_config.json` (optional) from a model dir. */
export function readTokenizerInfo(dir: string): { info?: TokenizerInfo; issues: WorldIssue[] } {
  const issues: WorldIssue[] = [];
  const file = path.join(dir, "tokenizer.json");
  if (!fs.existsSync(file)) {
    const sp = fs.existsSync(path.join(dir, "tokenizer.model"));
    issues.push({
      code: WORLD.tokenizerMissing,
      severity: "error",
      message: `${file}: no tokenizer.json in the model directory`,
      hint: sp
        ? "only a SentencePiece tokenizer.model is present; convert it with transformers (AutoTokenizer … save_pretrained) to get tokenizer.json"
        : "copy the model's tokenizer.json into the directory",
      path: file,
    });
    return { issues };
  }
  const json = readJson(file, issues);
  if (json === undefined) return { issues };
  const model = (json as { model?: unknown })?.model as Record<string, unknown> | undefined;
  if (!model || typeof model !== "object" || typeof model.type !== "string") {
    issues.push(invalid(file, "has no `model.type`"));
    return { issues };
  }
  const vocab = new Map<string, number>();
  const rawVocab = model.vocab;
  if (model.type === "Unigram") {
    if (!Array.isArray(rawVocab)) {
      issues.push(invalid(file, "Unigram `model.vocab` is not an array of [piece, score]"));
      return { issues };
    }
    rawVocab.forEach((entry, id) => {
      if (Array.isArray(entry) && typeof entry[0] === "string") vocab.set(entry[0], id);
    });
  } else {
    if (rawVocab === null || typeof rawVocab !== "object" || Array.isArray(rawVocab)) {
      issues.push(invalid(file, "`model.vocab` is not an object of token → id"));
      return { issues };
    }
    for (const [tok, id] of Object.entries(rawVocab as Record<string, unknown>)) {
      if (!Number.isSafeInteger(id) || (id as number) < 0) {
        issues.push(
          invalid(file, `vocab entry ${JSON.stringify(tok)} has id ${JSON.stringify(id)}`),
        );
        return { issues };
      }
      vocab.set(tok, id as number);
    }
  }
  const addedTokens: TokenizerInfo["addedTokens"] = [];
  const rawAdded = (json as { added_tokens?: unknown }).added_tokens;
  if (rawAdded !== undefined && rawAdded !== null) {
    if (!Array.isArray(rawAdded)) {
      issues.push(invalid(file, "`added_tokens` is not an array"));
      return { issues };
    }
    for (const t of rawAdded) {
      const { id, content, special } = (t ?? {}) as Record<string, unknown>;
      if (!Number.isSafeInteger(id) || typeof content !== "string") {
        issues.push(
          invalid(file, `added token ${JSON.stringify(t)} lacks an integer id or content`),
        );
        return { issues };
      }
      addedTokens.push({ id: id as number, content, special: special === true });
      vocab.set(content, id as number);
    }
  }
  let size = 0;
  for (const id of vocab.values()) size = Math.max(size, id + 1);

  const special: TokenizerInfo["special"] = {};
  let chatTemplate: string | undefined;
  const configFile = path.join(dir, "tokenizer_config.json");
  if (fs.existsSync(configFile)) {
    const cfg = readJson(configFile, issues) as Record<string, unknown> | undefined;
    if (cfg && typeof cfg === "object") {
      for (const role of SPECIAL_TOKEN_ROLES) {
        const content = tokenContent(cfg[`${role}_token`]);
        if (content !== undefined) {
          const id = vocab.get(content);
          special[role] = id === undefined ? { content } : { content, id };
        }
      }
      if (typeof cfg.chat_template === "string") chatTemplate = cfg.chat_template;
    }
  }
  const pairs = [...vocab].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hash = createHash("sha256");
  for (const [tok, id] of pairs) hash.update(`${id}\u0000${tok}\u0001`);
  return {
    info: {
      path: file,
      modelType: model.type,
      vocab,
      size,
      addedTokens,
      special,
      ...(chatTemplate !== undefined ? { chatTemplate } : {}),
      fingerprint: hash.digest("hex"),
    },
    issues,
  };
}

/** A tokenizer that emits ids ≥ vocab_size would index past the embedding matrix. */
export function checkTokenizerFitsVocab(info: TokenizerInfo, vocabSize: number): WorldIssue[] {
  if (info.size <= vocabSize) return [];
  const over = [...info.vocab].filter(([, id]) => id >= vocabSize).sort((a, b) => a[1] - b[1]);
  return [
    {
      code: WORLD.tokenizerExceedsVocab,
      severity: "error",
      message:
        `${info.path}: tokenizer has ids up to ${info.size - 1} but config.json vocab_size is ${vocabSize} ` +
        `(${over.length} token${over.length === 1 ? "" : "s"} out of range, e.g. ${JSON.stringify(over[0][0])} = ${over[0][1]})`,
      hint: "resize the embeddings (and lm_head) to the tokenizer, or use the tokenizer the model was trained with",
      path: info.path,
    },
  ];
}

export interface VocabSide {
  dir: string;
  /** config.json vocab_size: the number of logits the model produces. */
  logitSize?: number;
  tokenizer?: TokenizerInfo;
}

export interface VocabComparison {
  compatible: boolean;
  teacher: VocabSide;
  student: VocabSide;
  /** Tokens whose ids differ or that only one side has (first few, for messages). */
  differences: { token: string; teacherId?: number; studentId?: number }[];
  /** Count of all such tokens. */
  differenceCount: number;
  issues: WorldIssue[];
}

function readLogitSize(dir: string): number | undefined {
  try {
    const c = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as {
      vocab_size?: unknown;
    };
    return Number.isSafeInteger(c.vocab_size) ? (c.vocab_size as number) : undefined;
  } catch {
    return undefined; // the model-dir check reports a bad or missing config.json
  }
}

/**
 * Can `teacher`'s logits supervise `student`'s? Requires the same logit size (config.json
 * vocab_size) and the same token → id map; special tokens that differ are a warning.
 */
export function compareVocabularies(teacherDir: string, studentDir: string): VocabComparison {
  const issues: WorldIssue[] = [];
  const side = (dir: string): VocabSide => {
    const r = readTokenizerInfo(dir);
    issues.push(...r.issues);
    const logitSize = readLogitSize(dir);
    return {
      dir,
      ...(logitSize !== undefined ? { logitSize } : {}),
      ...(r.info ? { tokenizer: r.info } : {}),
    };
  };
  const teacher = side(teacherDir);
  const student = side(studentDir);
  const differences: VocabComparison["differences"] = [];
  let differenceCount = 0;
  const t = teacher.tokenizer;
  const s = student.tokenizer;
  if (t && s && t.fingerprint !== s.fingerprint) {
    const tokens = new Set([...t.vocab.keys(), ...s.vocab.keys()]);
    for (const token of tokens) {
      const teacherId = t.vocab.get(token);
      const studentId = s.vocab.get(token);
      if (teacherId === studentId) continue;
      differenceCount++;
      if (differences.length < 5) {
        differences.push({
          token,
          ...(teacherId !== undefined ? { teacherId } : {}),
          ...(studentId !== undefined ? { studentId } : {}),
        });
      }
    }
    const show = differences
      .map(
        (d) =>
          `${JSON.stringify(d.token)}: ${d.teacherId ?? "absent"} vs ${d.studentId ?? "absent"}`,
      )
      .join("; ");
    issues.push({
      code: WORLD.distillVocabMismatch,
      severity: "error",
      message:
        `teacher (${teacherDir}) and student (${studentDir}) tokenizers differ in ${differenceCount} ` +
        `token${differenceCount === 1 ? "" : "s"} (${show})`,
      hint: "logit distillation needs one vocabulary; use `simplified` distillation (teacher-generated text) instead",
      path: s.path,
    });
  }
  if (
    teacher.logitSize !== undefined &&
    student.logitSize !== undefined &&
    teacher.logitSize !== student.logitSize
  ) {
    const sameTokens = t && s && t.fingerprint === s.fingerprint;
    issues.push({
      code: WORLD.distillLogitSizeMismatch,
      severity: "error",
      message: `teacher vocab_size ${teacher.logitSize} ≠ student vocab_size ${student.logitSize}`,
      hint: sameTokens
        ? `the tokenizers are identical (${t.size} tokens); the models differ only in padding rows of the embedding`
        : "logit distillation compares logits position by position: both models need the same vocabulary",
      path: path.join(studentDir, "config.json"),
    });
  }
  if (t && s) {
    for (const role of SPECIAL_TOKEN_ROLES) {
      const a = t.special[role];
      const b = s.special[role];
      if ((a?.content ?? null) !== (b?.content ?? null)) {
        issues.push({
          code: WORLD.distillSpecialTokensMismatch,
          severity: "warning",
          message: `teacher ${role}_token ${JSON.stringify(a?.content ?? null)} ≠ student ${role}_token ${JSON.stringify(b?.content ?? null)}`,
          hint: "generation stops and padding follow the special tokens; align tokenizer_config.json",
          path: path.join(studentDir, "tokenizer_config.json"),
          subject: `${role}_token`,
        });
      }
    }
  }
  return {
    compatible: !issues.some((i) => i.severity === "error"),
    teacher,
    student,
    differences,
    differenceCount,
    issues,
  };
}
