/**
 * Instruction data with the noise chapter 2.1 of the course teaches to clean: malformed JSON
 * lines, missing fields, exact and near duplicates, control characters, runs of whitespace,
 * half-width punctuation in Chinese text, too-short answers, English rows in a Chinese set.
 * Every planted problem is deterministic for a seed, so tests can count what cleaning drops.
 */
import { createRng, type Rng } from "../../util/random.js";

export interface NoisyInstructionsOptions {
  rows: number;
  seed: number;
  /** Share of lines that are malformed JSON or miss a required field. */
  bad_rows: number;
}

const TOPICS = [
  "机器学习",
  "数据清洗",
  "模型微调",
  "知识蒸馏",
  "目标检测",
  "质量检测",
  "低秩适配",
  "量化",
];
const VERBS = ["解释", "介绍", "概括", "说明"];
const ASPECTS = ["基本原理", "主要步骤", "常见问题", "应用场景", "优缺点"];

function pick<T>(rng: Rng, items: T[]): T {
  return items[rng.int(items.length)];
}

function answer(rng: Rng, topic: string, aspect: string): string {
  const sentences = [
    `${topic}的${aspect}可以分为几个部分。`,
    `首先，需要明确目标和数据。`,
    `其次，要选择合适的方法，并控制成本。`,
    `最后，通过评估来验证效果，并持续改进。`,
    `在实践中，${topic}常常与其他技术结合使用。`,
  ];
  const n = 2 + rng.int(3);
  return sentences.slice(0, n).join("");
}

/** JSONL lines (strings), some deliberately malformed. */
export function noisyInstructionLines(options: NoisyInstructionsOptions): string[] {
  const rng = createRng(options.seed);
  const lines: string[] = [];
  const made: { instruction: string; output: string }[] = [];
  for (let i = 0; i < options.rows; i++) {
    const r = rng.next();
    if (r < options.bad_rows / 2) {
      lines.push(`{"instruction": "${pick(rng, TOPICS)}是什么", "output": `); // truncated JSON
      continue;
    }
    if (r < options.bad_rows) {
      lines.push(JSON.stringify({ instruction: `${pick(rng, VERBS)}${pick(rng, TOPICS)}` })); // no output
      continue;
    }
    if (made.length > 5 && rng.next() < 0.08) {
      lines.push(JSON.stringify({ ...pick(rng, made), input: "" })); // exact duplicate
      continue;
    }
    const topic = pick(rng, TOPICS);
    const aspect = pick(rng, ASPECTS);
    let instruction = `请${pick(rng, VERBS)}${topic}的${aspect}。`;
    let output = answer(rng, topic, aspect);
    const noise = rng.next();
    if (noise < 0.05)
      instruction = `  ${instruction}\u0007  `; // control char + spaces
    else if (noise < 0.1)
      output = output.replace(/，/g, ",").replace(/。/g, "."); // half-width
    else if (noise < 0.13)
      output = "好的。"; // too short
    else if (noise < 0.16) {
      instruction = `Please explain ${topic === "量化" ? "quantization" : "fine-tuning"} briefly.`;
      output =
        "It adapts a model to a task with little data and compute, keeping most weights fixed.";
    } else if (noise < 0.2) output = output + "   \t  "; // trailing whitespace
    made.push({ instruction, output });
    lines.push(JSON.stringify({ instruction, input: "", output }));
  }
  return lines;
}
