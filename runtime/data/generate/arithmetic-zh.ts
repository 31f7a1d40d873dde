/**
 * A small, learnable Chinese instruction task for tiny models: questions about the digits of
 * numbers — the units / tens digit of a two-digit number, the number written backwards, the
 * first / second / third of three digits — each asked in two phrasings.
 *
 * Two forms of the same facts:
 * - `text` (pre-training material): declarative statements ("37的个位数字是7。",
 *   "4、8、1中第二个数是8。"); never a question, never the instruction template. A model
 *   pre-trained on it knows the characters, the numbers and the words, not how to answer a
 *   templated question with the bare answer, so its exact match starts near 0.
 * - `alpaca` (instruction data): the questions ("37的个位数字是几？") with the bare answer ("7").
 *   Fine-tuning teaches the format and which digit each question asks for, which is what the
 *   flagship example measures (exact match before / after, on held-out questions).
 *
 * Every answer is read off the question (no memorised table), so held-out questions are
 * answerable by what the model learns from the training questions: learnable by a tiny model
 * in a few hundred steps, but only once it follows the instruction format and tells the six
 * kinds of question apart.
 *
 * Rows are distinct and balanced: the six kinds (units, tens, backwards, first, second, third)
 * take turns in a seeded order, each drawing its questions (number × phrasing) in a seeded
 * random order without repeats, so `dedupe: instruction` drops nothing; a kind whose questions
 * run out (180 each for units, tens and backwards) leaves its turns to the others, and when
 * all run out (6,540 questions) the generator starts over. Statements are drawn the same way.
 */
import { createRng } from "../../util/random.js";
import { balanced } from "./balanced.js";

export interface ArithmeticZhOptions {
  rows: number;
  seed: number;
}

export type FactKind = "units" | "tens" | "reverse" | "first" | "second" | "third";

export interface Fact {
  kind: FactKind;
  question: string;
  answer: string;
  statement: string;
}

interface Kind {
  kind: FactKind;
  /** The numbers a question is about (as strings: "37", or "4、8、1"). */
  items: string[];
  answer: (item: string) => string;
  phrasings: string[];
  statement: string;
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const twoDigit = range(10, 99).map(String);
const triples = range(0, 999).map((i) => [Math.floor(i / 100), Math.floor(i / 10) % 10, i % 10]);
const lists = triples.map((t) => t.join("、"));
const nth = (k: number) => (item: string) => item.split("、")[k];
const ORDINAL = ["一", "二", "三"];

const listKind = (kind: FactKind, k: number): Kind => ({
  kind,
  items: lists,
  answer: nth(k),
  phrasings: [`{x}中第${ORDINAL[k]}个数是几？`, `在{x}里，排第${ORDINAL[k]}的是哪个数？`],
  statement: `{x}中第${ORDINAL[k]}个数是{y}。`,
});

const KINDS: Kind[] = [
  {
    kind: "units",
    items: twoDigit,
    answer: (n) => n[1],
    phrasings: ["{x}的个位数字是几？", "{x}的个位是多少？"],
    statement: "{x}的个位数字是{y}。",
  },
  {
    kind: "tens",
    items: twoDigit,
    answer: (n) => n[0],
    phrasings: ["{x}的十位数字是几？", "{x}的十位是多少？"],
    statement: "{x}的十位数字是{y}。",
  },
  {
    kind: "reverse",
    items: twoDigit,
    answer: (n) => [...n].reverse().join(""),
    phrasings: ["把{x}倒过来写是多少？", "{x}的数字顺序反过来是什么？"],
    statement: "{x}倒过来写是{y}。",
  },
  listKind("first", 0),
  listKind("second", 1),
  listKind("third", 2),
];

function fill(template: string, x: string, y: string): string {
  return template.replace("{x}", x).replace("{y}", y);
}

function questionsOf(k: Kind): Fact[] {
  return k.items.flatMap((x) => {
    const y = k.answer(x);
    const statement = fill(k.statement, x, y);
    return k.phrasings.map((p) => ({
      kind: k.kind,
      question: fill(p, x, y),
      answer: y,
      statement,
    }));
  });
}

/** Every question of every kind, in a fixed order: the whole space (6,540 questions). */
export function arithmeticQuestionSpace(): Fact[] {
  return KINDS.flatMap(questionsOf);
}

/** `rows` distinct questions (until the space runs out), the six kinds in turn. */
export function arithmeticFacts(options: ArithmeticZhOptions): Fact[] {
  return balanced(KINDS.map(questionsOf), options.rows, createRng(options.seed));
}

/** Alpaca rows: instruction = the question, output = the answer. */
export function arithmeticAlpacaRows(options: ArithmeticZhOptions) {
  return arithmeticFacts(options).map((f) => ({
    instruction: f.question,
    input: "",
    output: f.answer,
  }));
}

/**
 * Plain text lines for pre-training: one statement per line, the six kinds in turn, each
 * cycling through its statements. No questions and no template (see the module comment).
 */
export function arithmeticTextLines(options: ArithmeticZhOptions): string[] {
  const pools = KINDS.map((k) => k.items.map((x) => fill(k.statement, x, k.answer(x))));
  return balanced(pools, options.rows, createRng(options.seed ^ 0x5bd1e995));
}
