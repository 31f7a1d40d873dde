import { describe, expect, it } from "vitest";
import {
  ALPACA_EN,
  ALPACA_ZH,
  alpacaPrompt,
  applyAlpacaTemplate,
  checkAlpacaTemplate,
} from "../../../../runtime/data/template/alpaca-template.js";
import { exampleText, promptText } from "../../../../runtime/data/template/segments.js";
import type { DataRecord } from "../../../../runtime/data/format/record.js";

const src = { path: "d.jsonl", line: 1, origin: "file" as const };

describe("Alpaca templates", () => {
  it("reproduces the seed's format_alpaca_prompt with input (chapter 1.2.1)", () => {
    const r: DataRecord = {
      kind: "instruction",
      instruction: "将以下英文翻译成中文",
      input: "Hello, how are you?",
      output: "你好，你怎么样？",
      source: src,
    };
    const ex = applyAlpacaTemplate(r, ALPACA_ZH);
    // The seed's f-string, verbatim: "### 指令:\n{instruction}\n\n### 输入:\n{input}\n\n### 回答:\n{output}"
    expect(exampleText(ex)).toBe(
      "### 指令:\n将以下英文翻译成中文\n\n### 输入:\nHello, how are you?\n\n### 回答:\n你好，你怎么样？",
    );
    expect(ex.segments).toEqual([
      {
        text: "### 指令:\n将以下英文翻译成中文\n\n### 输入:\nHello, how are you?\n\n### 回答:\n",
        train: false,
      },
      { text: "你好，你怎么样？", train: true },
    ]);
    expect(ex.appendEos).toBe(true);
  });

  it("drops the input block when the input is empty (seed: `if sample['input']`)", () => {
    const r: DataRecord = {
      kind: "instruction",
      instruction: "解释什么是递归",
      input: "",
      output: "递归是……",
      source: src,
    };
    expect(exampleText(applyAlpacaTemplate(r, ALPACA_ZH))).toBe(
      "### 指令:\n解释什么是递归\n\n### 回答:\n递归是……",
    );
  });

  it("has the standard English template with and without input", () => {
    expect(alpacaPrompt({ instruction: "Add.", input: "2 and 3" }, ALPACA_EN)).toBe(
      "Below is an instruction that describes a task, paired with an input that provides further context. " +
        "Write a response that appropriately completes the request.\n\n### Instruction:\nAdd.\n\n### Input:\n2 and 3\n\n### Response:\n",
    );
    expect(alpacaPrompt({ instruction: "Add.", input: "" }, ALPACA_EN)).toBe(
      "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
        "### Instruction:\nAdd.\n\n### Response:\n",
    );
  });

  it("substitutes once, so placeholder text inside values stays literal", () => {
    expect(
      alpacaPrompt(
        { instruction: "print {input}", input: "x" },
        { withInput: "{instruction}|{input}|", withoutInput: "" },
      ),
    ).toBe("print {input}|x|");
  });

  it("applies to single-turn chats and refuses multi-turn ones (PW6204)", () => {
    const chat: DataRecord = {
      kind: "chat",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ],
      source: src,
    };
    expect(promptText(applyAlpacaTemplate(chat, ALPACA_ZH))).toBe("### 指令:\nq\n\n### 回答:\n");
    const multi: DataRecord = {
      ...chat,
      messages: [
        ...chat.messages,
        { role: "user", content: "q2" },
        { role: "assistant", content: "a2" },
      ],
    };
    expect(() => applyAlpacaTemplate(multi, ALPACA_ZH)).toThrow(
      expect.objectContaining({ code: "PW6204" }),
    );
  });

  it("checks custom templates' placeholders (PW6201)", () => {
    expect(() =>
      checkAlpacaTemplate({ withInput: "{instruction} {context}", withoutInput: "{instruction}" }),
    ).toThrow(expect.objectContaining({ code: "PW6201" }));
    expect(() =>
      checkAlpacaTemplate({ withInput: "{instruction}", withoutInput: "{instruction} {input}" }),
    ).toThrow(/unknown placeholder \{input\}/);
    expect(() => checkAlpacaTemplate(ALPACA_ZH)).not.toThrow();
  });
});
