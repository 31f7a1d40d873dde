import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ChatTemplate,
  applyChatTemplate,
} from "../../../../runtime/data/template/chat-template.js";
import {
  resolveTemplate,
  applyTemplate,
} from "../../../../runtime/data/template/apply-template.js";
import {
  readTokenizerConfig,
  parseTokenizerConfig,
} from "../../../../runtime/tokenizer/tokenizer-config.js";
import { Tokenizer } from "../../../../runtime/tokenizer/tokenizer.js";
import {
  tokenizeExample,
  IGNORE_INDEX,
} from "../../../../runtime/data/template/tokenize-example.js";
import type { ChatMessage, DataRecord } from "../../../../runtime/data/format/record.js";

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const src = { path: "c.jsonl", line: 4, origin: "file" as const };
const conversation: ChatMessage[] = [
  { role: "user", content: "什么是机器学习？" },
  { role: "assistant", content: "机器学习是人工智能的一个分支。" },
  { role: "user", content: "它和深度学习有什么区别？" },
  { role: "assistant", content: "深度学习是机器学习的子集。" },
];

describe("Jinja chat templates", () => {
  it("reads chat_template from tokenizer_config.json (string form) and masks every assistant turn", () => {
    const config = readTokenizerConfig(fixture("chatml-model"));
    expect(config.eosToken).toBe("<|im_end|>");
    expect(config.bosToken).toBeUndefined();
    const t = ChatTemplate.fromConfig(config);
    const segs = t.segments(conversation);
    expect(segs).toEqual([
      {
        text: "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n什么是机器学习？<|im_end|>\n<|im_start|>assistant\n",
        train: false,
      },
      { text: "机器学习是人工智能的一个分支。<|im_end|>\n", train: true },
      {
        text: "<|im_start|>user\n它和深度学习有什么区别？<|im_end|>\n<|im_start|>assistant\n",
        train: false,
      },
      { text: "深度学习是机器学习的子集。<|im_end|>\n", train: true },
    ]);
    expect(segs.map((s) => s.text).join("")).toBe(t.render(conversation, false));
    expect(t.prompt(conversation.slice(0, 1))).toBe(segs[0].text);
  });

  it("reads named templates (list form) and AddedToken-shaped special tokens; Llama 3 puts bos_token first", () => {
    const config = readTokenizerConfig(fixture("llama3-model"));
    expect(config.bosToken).toBe("<|begin_of_text|>");
    expect(config.modelMaxLength).toBeUndefined();
    expect(Object.keys(config.chatTemplates)).toEqual(["default", "unstable"]);
    const segs = ChatTemplate.fromConfig(config).segments(conversation.slice(0, 2));
    expect(segs[0].text).toBe(
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n什么是机器学习？<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
    expect(segs[1]).toEqual({ text: "机器学习是人工智能的一个分支。<|eot_id|>", train: true });
  });

  it("refuses a template that rewrites earlier turns (PW6203) and a missing template (PW6202)", () => {
    const config = readTokenizerConfig(fixture("llama3-model"));
    expect(() => ChatTemplate.fromConfig(config, "unstable").segments(conversation)).toThrow(
      expect.objectContaining({ code: "PW6203" }),
    );
    expect(() => ChatTemplate.fromConfig(parseTokenizerConfig({}))).toThrow(
      expect.objectContaining({ code: "PW6202" }),
    );
    expect(() => ChatTemplate.fromConfig(config, "tools")).toThrow(
      expect.objectContaining({ hint: "available: default, unstable" }),
    );
    expect(() => new ChatTemplate("{% for x in %}")).toThrow(
      expect.objectContaining({ code: "PW6203" }),
    );
    expect(() =>
      new ChatTemplate("{{ raise_exception('no system role') }}").render([], false),
    ).toThrow(
      expect.objectContaining({ code: "PW6203", message: expect.stringMatching(/no system role/) }),
    );
  });

  it("turns Alpaca records into a user/assistant exchange", () => {
    const t = new ChatTemplate(
      "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}",
    );
    const r: DataRecord = {
      kind: "instruction",
      instruction: "翻译",
      input: "Hello",
      output: "你好",
      source: src,
    };
    const ex = applyChatTemplate(r, t);
    expect(ex.segments).toEqual([
      { text: "<user>翻译\n\nHello</user><assistant>", train: false },
      { text: "你好</assistant>", train: true },
    ]);
    expect(ex.appendEos).toBe(false);
  });

  it("labels only the assistant tokens after tokenization (real tokenizer, ChatML)", () => {
    const json = JSON.parse(
      readFileSync(
        fileURLToPath(new URL("../../tokenizer/fixtures/bpe-gpt2.tokenizer.json", import.meta.url)),
        "utf8",
      ),
    );
    const config = readTokenizerConfig(fixture("chatml-model"));
    const tok = new Tokenizer(json, { config });
    const template = resolveTemplate("chat", config);
    const record: DataRecord = { kind: "chat", messages: conversation, source: src };
    const [ex] = tokenizeExample(applyTemplate(record, template), tok, { maxLength: 512 });
    const trained = ex.labels.map((l, i) => (l === IGNORE_INDEX ? -1 : i)).filter((i) => i >= 0);
    // Two answer spans; decoding the trained tokens gives exactly the answers with their end tokens.
    const spans: number[][] = [];
    for (const i of trained) {
      const last = spans[spans.length - 1];
      if (last && last[last.length - 1] === i - 1) last.push(i);
      else spans.push([i]);
    }
    expect(spans.map((s) => tok.decode(s.map((i) => ex.inputIds[i])))).toEqual([
      "机器学习是人工智能的一个分支。<|im_end|>\n",
      "深度学习是机器学习的子集。<|im_end|>\n",
    ]);
    expect(tok.decode(ex.inputIds)).toBe(
      ChatTemplate.fromConfig(config).render(conversation, false),
    );
    expect(ex.inputIds.filter((id) => id === tok.tokenToId("<|im_end|>"))).toHaveLength(5);
  });
});
