/**
 * A small, learnable Chinese instruction task for tiny models: single-digit arithmetic and
 * number facts in several phrasings. The declarative `text` form ("三加五等于八。" and "3加5等于8。")
 * is pre-training material; the `alpaca` form asks the same facts as questions. A model
 * pre-trained on the text knows the facts but not the question format — fine-tuning teaches
 * the format, which is what the flagship example measures (exact match before/after).
 */
import { createRng, type Rng } from "../../util/random.js";

export interface ArithmeticZhOptions {
  rows: number;
  seed: number;
}

export interface Fact {
  question: string;
  answer: string;
  statement: string;
}

const TASKS: ((rng: Rng) => Fact)[] = [
  (rng) => {
    const a = rng.int(10);
    const b = rng.int(10);
    const phr = pick(rng, ["{a}加{b}等于多少？", "计算：{a}+{b}", "{a}加上{b}是几？"]);
    return {
      question: fill(phr, { a, b }),
      answer: String(a + b),
      statement: `${a}加${b}等于${a + b}。`,
    };
  },
  (rng) => {
    const a = rng.int(10) + 5;
    const b = rng.int(a - 4);
    const phr = pick(rng, ["{a}减{b}等于多少？", "计算：{a}-{b}", "{a}减去{b}是几？"]);
    return {
      question: fill(phr, { a, b }),
      answer: String(a - b),
      statement: `${a}减${b}等于${a - b}。`,
    };
  },
  (rng) => {
    let a = rng.int(10);
    let b = rng.int(10);
    if (a === b) b = (b + 1) % 10;
    const phr = pick(rng, ["{a}和{b}哪个大？", "比较{a}与{b}，较大的是？"]);
    const big = Math.max(a, b);
    [a, b] = [a, b];
    return {
      question: fill(phr, { a, b }),
      answer: String(big),
      statement: `${a}和${b}中较大的是${big}。`,
    };
  },
  (rng) => {
    const a = rng.int(19);
    const phr = pick(rng, ["{a}的下一个数是多少？", "{a}后面是几？"]);
    return {
      question: fill(phr, { a, b: 0 }),
      answer: String(a + 1),
      statement: `${a}的下一个数是${a + 1}。`,
    };
  },
];

function pick<T>(rng: Rng, items: T[]): T {
  return items[rng.int(items.length)];
}

function fill(template: string, v: { a: number; b: number }): string {
  return template.replace("{a}", String(v.a)).replace("{b}", String(v.b));
}

export function arithmeticFacts(options: ArithmeticZhOptions): Fact[] {
  const rng = createRng(options.seed);
  const out: Fact[] = [];
  for (let i = 0; i < options.rows; i++) out.push(TASKS[rng.int(TASKS.length)](rng));
  return out;
}

/** Alpaca rows: instruction = the question, output = the answer. */
export function arithmeticAlpacaRows(options: ArithmeticZhOptions) {
  return arithmeticFacts(options).map((f) => ({
    instruction: f.question,
    input: "",
    output: f.answer,
  }));
}

/** Plain text lines for pre-training: statements, and question–answer pairs in prose. */
export function arithmeticTextLines(options: ArithmeticZhOptions): string[] {
  const rng = createRng(options.seed ^ 0x5bd1e995);
  return arithmeticFacts(options).map((f) =>
    rng.next() < 0.5 ? f.statement : `${f.question}答案是${f.answer}。`,
  );
}
