/**
 * Scopes of the language's constructs on one-line samples: comments, strings and escapes,
 * numbers with units, ranges, operators, stage declarations, property keys, block names,
 * references, verdict rules and punctuation.
 */
import { describe, expect, it } from "vitest";
import { dump, hasScope, scopesAt, scopesOf, tokenize } from "./tokenize.js";

/** [sample line, text inside it, scope it must carry, which occurrence (default first)] */
type Case = [string, string, string, number?];

async function check([line, needle, scope, nth]: Case): Promise<void> {
  const tokens = await tokenize(line);
  const covering = scopesOf(tokens, line, needle, nth ?? 0);
  expect(covering.length, dump(tokens)).toBeGreaterThan(0);
  for (const scopes of covering)
    expect(scopes, `\`${needle}\` in \`${line}\`\n${dump(tokens)}`).toContain(scope);
}

describe("comments", () => {
  const cases: Case[] = [
    ["// a note", "// a note", "comment.line.double-slash.pipe"],
    ["// a note", "//", "punctuation.definition.comment.pipe"],
    [
      'x { seed: 42 } // trailing, with dataset and "quotes"',
      "// trailing",
      "comment.line.double-slash.pipe",
    ],
    [
      'x { seed: 42 } // trailing, with dataset and "quotes"',
      "dataset",
      "comment.line.double-slash.pipe",
    ],
    ["/* block */ pipeline", "/* block */", "comment.block.pipe"],
    ["/* block */ pipeline", "/*", "punctuation.definition.comment.begin.pipe"],
    ['x { path: "http://host/x" }', "//host", "string.quoted.double.pipe"],
  ];
  it.each(cases)("%s: `%s` is %s", (...c) => check(c));

  it("a block comment spans lines and code resumes after it", async () => {
    const tokens = await tokenize('/* one\n   two "x" train\n*/ model');
    for (const t of tokens.filter((t) => t.line < 2 || t.text === "*/")) {
      expect(hasScope(t.scopes, "comment.block"), `${t.line}:${t.start} ${t.text}`).toBe(true);
    }
    expect(scopesAt(tokens, 2, 3)).toContain("storage.type.stage.pipe");
  });
});

describe("strings", () => {
  const line = String.raw`x { s: "a\nb \t \"q\" \\ \' \0 \u00e9 \u{1F600} \q \u{110000} é" }`;
  const cases: Case[] = [
    [line, '"a', "string.quoted.double.pipe"],
    [line, '"', "punctuation.definition.string.begin.pipe"],
    [line, String.raw`\n`, "constant.character.escape.pipe"],
    [line, String.raw`\t`, "constant.character.escape.pipe"],
    [line, String.raw`\"`, "constant.character.escape.pipe"],
    [line, String.raw`\\`, "constant.character.escape.pipe"],
    [line, String.raw`\'`, "constant.character.escape.pipe"],
    [line, String.raw`\0`, "constant.character.escape.pipe"],
    [line, String.raw`\u00e9`, "constant.character.escape.pipe"],
    [line, String.raw`\u{1F600}`, "constant.character.escape.pipe"],
    [line, String.raw`\q`, "invalid.illegal.unknown-escape.pipe"],
    [line, String.raw`\u`, "invalid.illegal.unknown-escape.pipe", 2],
    [line, "é", "string.quoted.double.pipe", 0],
    ['x { a: "{{ m.role }}" }', "{{", "punctuation.definition.template-expression.begin.pipe"],
    ['x { a: "{{ m.role }}" }', " m.role ", "meta.template.expression.pipe"],
    ['x { a: "" }', '""', "string.quoted.double.pipe"],
  ];
  it.each(cases)("%s: `%s` is %s", (...c) => check(c));

  it("an unterminated string stops at the end of its line", async () => {
    const tokens = await tokenize('x { a: "open\n  b: 1 }');
    expect(scopesAt(tokens, 0, 9)).toContain("string.quoted.double.pipe");
    expect(scopesAt(tokens, 1, 2)).toContain("variable.other.property.pipe");
  });

  it("a triple-quoted string spans lines, keeps quotes and backslashes literal", async () => {
    const text = 'x { template: """\n  say "hi" \\n {{ name }}\n  """ rank: 16 }';
    const tokens = await tokenize(text);
    const msg = dump(tokens);
    expect(scopesAt(tokens, 0, 14), msg).toContain("punctuation.definition.string.begin.pipe");
    for (const t of tokens.filter((t) => t.line === 1)) {
      expect(t.scopes, msg).toContain("string.quoted.triple.pipe");
      expect(hasScope(t.scopes, "constant.character.escape"), msg).toBe(false);
    }
    expect(scopesAt(tokens, 1, 14), msg).toContain("meta.template.expression.pipe");
    expect(scopesAt(tokens, 2, 2), msg).toContain("punctuation.definition.string.end.pipe");
    expect(scopesAt(tokens, 2, 6), msg).toContain("variable.other.property.pipe");
  });
});

describe("numbers, units, ranges, booleans, operators", () => {
  const line =
    "x { a: 42 b: -1 c: 0.5 d: 2e-4 e: 1_000 f: 8GB g: 90% h: 30min i: 1.5e3GB j: 10..10000 }";
  const cases: Case[] = [
    [line, "42", "constant.numeric.pipe"],
    [line, "-1", "constant.numeric.pipe"],
    [line, "0.5", "constant.numeric.pipe"],
    [line, "2e-4", "constant.numeric.pipe"],
    [line, "1_000", "constant.numeric.pipe"],
    [line, "8", "constant.numeric.pipe"],
    [line, "GB", "keyword.other.unit.pipe"],
    [line, "90", "constant.numeric.pipe"],
    [line, "%", "keyword.other.unit.percent.pipe"],
    [line, "30", "constant.numeric.pipe"],
    [line, "min", "keyword.other.unit.pipe"],
    [line, "1.5e3", "constant.numeric.pipe"],
    [line, "GB", "keyword.other.unit.pipe", 1],
    [line, "10", "constant.numeric.pipe"],
    [line, "..", "keyword.operator.range.pipe"],
    [line, "10000", "constant.numeric.pipe"],
    ["x { a: true, b: false }", "true", "constant.language.boolean.pipe"],
    ["x { a: true, b: false }", "false", "constant.language.boolean.pipe"],
    [
      "x { require a >= 1 and b <= 2 or c == 3 and d != 4 and e > 5 and f < 6 }",
      ">=",
      "keyword.operator.comparison.pipe",
    ],
    [
      "x { require a >= 1 and b <= 2 or c == 3 and d != 4 and e > 5 and f < 6 }",
      "<=",
      "keyword.operator.comparison.pipe",
    ],
    [
      "x { require a >= 1 and b <= 2 or c == 3 and d != 4 and e > 5 and f < 6 }",
      "==",
      "keyword.operator.comparison.pipe",
    ],
    [
      "x { require a >= 1 and b <= 2 or c == 3 and d != 4 and e > 5 and f < 6 }",
      "!=",
      "keyword.operator.comparison.pipe",
    ],
    [
      "x { require a >= 1 and b <= 2 or c == 3 and d != 4 and e > 5 and f < 6 }",
      ">",
      "keyword.operator.comparison.pipe",
      1,
    ],
    [
      "x { require a >= 1 and b <= 2 or c == 3 and d != 4 and e > 5 and f < 6 }",
      "<",
      "keyword.operator.comparison.pipe",
      1,
    ],
  ];
  it.each(cases)("%s: `%s` is %s", (...c) => check(c));

  it("a digit inside a name is not a number", async () => {
    const line = "x { metrics: [rouge1, mAP50_95, lr0] }";
    const tokens = await tokenize(line);
    for (const name of ["rouge1", "mAP50_95", "lr0"]) {
      expect(scopesOf(tokens, line, name), dump(tokens)).toEqual([
        expect.arrayContaining(["variable.other.pipe"]),
      ]);
    }
  });
});

describe("declarations, properties, blocks, references, rules", () => {
  const stage = 'dataset sft = alpaca("data/a.jsonl") { template: alpaca_zh  max_length: 512 }';
  const call = "train run = sft(qlora, data: sft.train) { optimizer: adamw { lr: 2e-4 } }";
  const verdict =
    "inspect qc = inspect(det, parts.val) { severity { crack: high } verdict { FAIL when any(high)  PASS otherwise } }";
  const cases: Case[] = [
    [stage, "dataset", "storage.type.stage.pipe"],
    [stage, "sft", "entity.name.type.stage.pipe"],
    [stage, "=", "keyword.operator.assignment.pipe"],
    [stage, "alpaca", "support.function.pipe"],
    [stage, "template", "variable.other.property.pipe"],
    [stage, "template", "meta.property.pipe"],
    [stage, ":", "punctuation.separator.key-value.pipe"],
    [stage, "alpaca_zh", "variable.other.pipe"],
    [stage, "{", "punctuation.section.block.begin.pipe"],
    [stage, "}", "punctuation.section.block.end.pipe"],
    [stage, "(", "punctuation.section.parens.begin.pipe"],
    ["model m = llama { hidden: 256 }", "llama", "support.function.pipe"],
    ["model m = hub.llama(x)", "hub", "support.function.pipe"],
    ["model m = hub.llama(x)", ".", "punctuation.accessor.pipe"],
    ["model m = hub.llama(x)", "llama", "support.function.pipe"],
    ["adapter lora-small = lora(base)", "lora-small", "entity.name.type.stage.pipe"],
    [call, "qlora", "variable.other.pipe"],
    [call, "data", "variable.parameter.pipe"],
    [call, "sft", "variable.other.pipe", 1],
    [call, ".", "punctuation.accessor.pipe"],
    [call, "train", "variable.other.member.pipe", 1],
    [call, "optimizer", "variable.other.property.pipe"],
    [call, "adamw", "support.function.pipe"],
    [call, "lr", "variable.other.property.pipe"],
    [call, ",", "punctuation.separator.comma.pipe"],
    [verdict, "inspect", "support.function.pipe", 1],
    [verdict, "severity", "entity.name.section.pipe"],
    [verdict, "crack", "variable.other.property.pipe"],
    [verdict, "verdict", "entity.name.section.pipe"],
    [verdict, "FAIL", "entity.name.tag.outcome.pipe"],
    [verdict, "when", "keyword.control.conditional.pipe"],
    [verdict, "any", "support.function.pipe"],
    [verdict, "PASS", "entity.name.tag.outcome.pipe"],
    [verdict, "otherwise", "keyword.control.conditional.pipe"],
    [
      "x { clean { require output.length in 10..10000  dedupe: instruction } }",
      "clean",
      "entity.name.section.pipe",
    ],
    [
      "x { clean { require output.length in 10..10000  dedupe: instruction } }",
      "output",
      "variable.other.pipe",
    ],
    [
      "x { clean { require output.length in 10..10000  dedupe: instruction } }",
      "length",
      "variable.other.member.pipe",
    ],
    [
      "x { clean { require output.length in 10..10000  dedupe: instruction } }",
      "instruction",
      "variable.other.pipe",
    ],
    ["x { split { train: 90%, val: 10% } }", "split", "entity.name.section.pipe"],
    ["x { split { train: 90%, val: 10% } }", "train", "variable.other.property.pipe"],
    [
      "x { targets: [q_proj, v_proj]; lora-alpha-scale: 2 }",
      "[",
      "punctuation.section.brackets.begin.pipe",
    ],
    [
      "x { targets: [q_proj, v_proj]; lora-alpha-scale: 2 }",
      "]",
      "punctuation.section.brackets.end.pipe",
    ],
    ["x { targets: [q_proj, v_proj]; lora-alpha-scale: 2 }", "q_proj", "meta.list.pipe"],
    ["x { targets: [q_proj, v_proj]; lora-alpha-scale: 2 }", ";", "punctuation.terminator.pipe"],
    [
      "x { targets: [q_proj, v_proj]; lora-alpha-scale: 2 }",
      "lora-alpha-scale",
      "variable.other.property.pipe",
    ],
    ["x { a: b @ c }", "@", "invalid.illegal.character.pipe"],
    ["x { a: b } }", "}", "invalid.illegal.character.pipe", 1],
  ];
  it.each(cases)("%s: `%s` is %s", (...c) => check(c));

  it("a kebab-case name is one token, a keyword prefix inside a name is not a keyword", async () => {
    const line = "x { in-domain: input  notes: training-set  order: to_do }";
    const tokens = await tokenize(line);
    for (const name of ["in-domain", "input", "notes", "training-set", "order", "to_do"]) {
      const covering = scopesOf(tokens, line, name);
      expect(covering, `${name}\n${dump(tokens)}`).toHaveLength(1);
      expect(hasScope(covering[0], "keyword"), name).toBe(false);
    }
  });

  it("a stage declaration whose source is on the next line", async () => {
    const tokens = await tokenize("train run =\n  sft(qlora)");
    expect(scopesAt(tokens, 0, 6)).toContain("entity.name.type.stage.pipe");
    expect(scopesAt(tokens, 1, 2)).toContain("support.function.pipe");
  });

  it("CRLF line endings tokenize like LF", async () => {
    const lf = await tokenize('pipeline "x" {\n  seed: 42 // s\n}\n');
    const crlf = await tokenize('pipeline "x" {\r\n  seed: 42 // s\r\n}\r\n');
    expect(crlf).toEqual(lf);
  });
});
