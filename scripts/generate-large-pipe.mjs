// Writes a syntactically valid .pipe file of about N lines (default 10,000), built from the
// shapes the examples use, for front-end speed measurements (`pipe check` on it).
import { writeFileSync } from "node:fs";

const target = Number(process.argv[3] ?? 10_000);
const out = process.argv[2] ?? "large.pipe";
const lines = [
  'pipeline "large" {',
  "  seed: 42",
  "  memory_budget: 8GB",
  "}",
  "",
  "model base = llama {",
  "  vocab_size: 512",
  "  hidden_size: 64",
  "  intermediate_size: 176",
  "  num_hidden_layers: 2",
  "  num_attention_heads: 4",
  "  num_key_value_heads: 2",
  "}",
  "",
];
for (let i = 0; lines.length < target; i++) {
  const group = [
    `// stage group ${i}`,
    `dataset d${i} = alpaca("data/part-${i}.jsonl") {`,
    `  generate: arithmetic_zh { rows: 2000, seed: ${i}, format: alpaca }`,
    "  template: alpaca_zh",
    "  max_length: 512",
    "  clean {",
    "    normalize: [whitespace, control_chars, punctuation]",
    "    require output.length in 10..10000",
    "    dedupe: near { key: output, threshold: 0.9, ngram: 5 }",
    "  }",
    "  split {",
    "    train: 90%",
    "    val: 10%",
    "  }",
    "}",
    "",
    `adapter a${i} = lora(base) {`,
    "  rank: 16",
    "  alpha: 32",
    "  targets: [q_proj, k_proj, v_proj, o_proj]",
    "}",
    "",
    `evaluate e${i} = eval(a${i}, d${i}.val) {`,
    "  metrics: [bleu, rouge1, exact_match, perplexity]",
    "  require (rouge1 >= 0.3 or bleu > 20) and not perplexity > 50",
    "}",
    "",
  ];
  // Whole groups only (the file must stay valid); pad the last lines with comments.
  if (lines.length + group.length > target) {
    while (lines.length < target) lines.push("// padding");
    break;
  }
  lines.push(...group);
}
writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${out} (${lines.length} lines)`);
