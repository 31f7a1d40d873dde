/**
 * Bilingual multi-turn conversations (ShareGPT layout) from templates: greetings, small facts
 * and follow-ups, so chat fine-tuning has something consistent to learn.
 */
import { createRng, type Rng } from "../../util/random.js";
import { arithmeticFacts } from "./arithmetic-zh.js";

export interface ChatZhEnOptions {
  rows: number;
  seed: number;
}

const NAMES = ["小明", "小红", "Alice", "Bob", "李雷", "韩梅梅"];
const COLORS: [string, string][] = [
  ["红色", "red"],
  ["蓝色", "blue"],
  ["绿色", "green"],
  ["黄色", "yellow"],
];

function pick<T>(rng: Rng, items: T[]): T {
  return items[rng.int(items.length)];
}

export function chatRows(options: ChatZhEnOptions) {
  const rng = createRng(options.seed);
  const facts = arithmeticFacts({ rows: options.rows, seed: options.seed + 1 });
  const rows = [];
  for (let i = 0; i < options.rows; i++) {
    const name = pick(rng, NAMES);
    const [zh, en] = pick(rng, COLORS);
    const fact = facts[i];
    const english = rng.next() < 0.5;
    const conversations = english
      ? [
          { from: "human", value: `Hi, I am ${name}.` },
          { from: "gpt", value: `Hello ${name}! How can I help?` },
          { from: "human", value: `What is "${zh}" in English?` },
          { from: "gpt", value: `"${zh}" is "${en}".` },
        ]
      : [
          { from: "human", value: `你好，我是${name}。` },
          { from: "gpt", value: `你好，${name}！有什么可以帮你？` },
          { from: "human", value: fact.question },
          { from: "gpt", value: fact.answer },
        ];
    if (rng.next() < 0.3)
      conversations.unshift({ from: "system", value: "You are a helpful bilingual assistant." });
    rows.push({ conversations });
  }
  return rows;
}
