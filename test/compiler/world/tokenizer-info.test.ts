import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareVocabularies, readTokenizerInfo } from "../../../compiler/world/tokenizer-info.js";

const MODELS = path.resolve(import.meta.dirname, "../../fixtures/models");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pw-tok-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function copy(name: string, from: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(MODELS, from), dir, { recursive: true });
  return dir;
}
function editJson(file: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

describe("readTokenizerInfo", () => {
  it("reads the tiny byte-level BPE: size, special tokens, chat template", () => {
    const { info, issues } = readTokenizerInfo(path.join(MODELS, "tiny-llama"));
    expect(issues).toEqual([]);
    expect(info).toMatchObject({ modelType: "BPE", size: 272 });
    expect(info!.vocab.get("Ġthe")).toBe(266); // the id the reference tokenizer gives (golden file)
    expect(info!.special).toEqual({
      bos: { content: "<s>", id: 1 },
      eos: { content: "</s>", id: 2 },
      pad: { content: "<pad>", id: 3 },
      unk: { content: "<unk>", id: 0 },
    });
    expect(info!.addedTokens.map((t) => t.content)).toEqual(["<unk>", "<s>", "</s>", "<pad>"]);
    expect(info!.chatTemplate).toMatch(/add_generation_prompt/);
    const golden = JSON.parse(
      fs.readFileSync(path.join(MODELS, "tiny-llama.tokenizer-golden.json"), "utf8"),
    );
    expect(info!.size).toBe(golden.vocab_size);
  });

  it("reads a Unigram vocabulary (array of [piece, score])", () => {
    const dir = path.join(tmp, "unigram");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "tokenizer.json"),
      JSON.stringify({
        model: {
          type: "Unigram",
          vocab: [
            ["<unk>", 0],
            ["▁a", -1.5],
            ["b", -2],
          ],
        },
      }),
    );
    const { info } = readTokenizerInfo(dir);
    expect(info!.size).toBe(3);
    expect(info!.vocab.get("b")).toBe(2);
  });

  it("missing and malformed tokenizers", () => {
    const none = path.join(tmp, "none");
    fs.mkdirSync(none);
    fs.writeFileSync(path.join(none, "tokenizer.model"), "");
    const missing = readTokenizerInfo(none);
    expect(missing.issues[0]).toMatchObject({
      code: "PW3030",
      path: path.join(none, "tokenizer.json"),
    });
    expect(missing.issues[0].hint).toMatch(/SentencePiece/);
    const bad = path.join(tmp, "bad");
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, "tokenizer.json"), "{");
    expect(readTokenizerInfo(bad).issues[0]).toMatchObject({ code: "PW3031" });
    fs.writeFileSync(
      path.join(bad, "tokenizer.json"),
      JSON.stringify({ model: { type: "BPE", vocab: { a: -1 } } }),
    );
    expect(readTokenizerInfo(bad).issues[0].message).toMatch(/vocab entry "a" has id -1/);
  });
});

describe("compareVocabularies (teacher ↔ student for logit distillation)", () => {
  it("same tokenizer and vocab_size: compatible", () => {
    const r = compareVocabularies(
      path.join(MODELS, "tiny-llama"),
      path.join(MODELS, "tiny-llama-student"),
    );
    expect(r.issues).toEqual([]);
    expect(r.compatible).toBe(true);
    expect(r.teacher.logitSize).toBe(272);
    expect(r.teacher.tokenizer!.fingerprint).toBe(r.student.tokenizer!.fingerprint);
  });

  it("different token → id maps: error with examples", () => {
    const r = compareVocabularies(
      path.join(MODELS, "tiny-llama"),
      path.join(MODELS, "tiny-llama-other-vocab"),
    );
    expect(r.compatible).toBe(false);
    expect(r.issues.map((i) => i.code)).toEqual(["PW3034"]);
    expect(r.differenceCount).toBe(2);
    expect(r.differences).toEqual([
      { token: "Ġt", teacherId: 260, studentId: 261 },
      { token: "he", teacherId: 261, studentId: 260 },
    ]);
    expect(r.issues[0].message).toMatch(
      /differ in 2 tokens \("Ġt": 260 vs 261; "he": 261 vs 260\)/,
    );
  });

  it("different logit sizes with identical tokenizers: error explaining the padding", () => {
    const student = copy("padded", "tiny-llama-student");
    editJson(path.join(student, "config.json"), (c) => (c.vocab_size = 288));
    const r = compareVocabularies(path.join(MODELS, "tiny-llama"), student);
    expect(r.issues.map((i) => i.code)).toEqual(["PW3033"]);
    expect(r.issues[0].message).toBe("teacher vocab_size 272 ≠ student vocab_size 288");
    expect(r.issues[0].hint).toMatch(/identical \(272 tokens\)/);
  });

  it("different special tokens: warning only", () => {
    const student = copy("eos", "tiny-llama-student");
    editJson(path.join(student, "tokenizer_config.json"), (c) => (c.eos_token = "<pad>"));
    const r = compareVocabularies(path.join(MODELS, "tiny-llama"), student);
    expect(r.issues.map((i) => [i.code, i.severity, i.subject])).toEqual([
      ["PW3035", "warning", "eos_token"],
    ]);
    expect(r.compatible).toBe(true);
  });

  it("a student without a tokenizer is reported", () => {
    const r = compareVocabularies(
      path.join(MODELS, "tiny-llama"),
      path.join(MODELS, "tiny-llama-sharded"),
    );
    expect(r.issues.map((i) => i.code)).toEqual(["PW3030"]);
    expect(r.compatible).toBe(false);
  });
});
