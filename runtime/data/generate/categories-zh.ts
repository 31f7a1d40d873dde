/**
 * A small Chinese instruction task that a tiny model learns reliably within minutes: say which
 * kind of thing a sentence talks about ("这句话说的是哪一类事物？我昨天看到了熊猫。" → "动物").
 * Five categories (水果, 动物, 颜色, 交通工具, 乐器) of ten items each, written into twenty
 * everyday sentence frames and asked in two phrasings: 2,000 distinct questions.
 *
 * Two forms of the same material:
 * - `text` (pre-training material): statements of what each item is ("熊猫是一种动物。") mixed
 *   with the frame sentences ("我昨天看到了熊猫。"); never a question, never the template. A
 *   model pre-trained on it knows the words and the facts, not how to answer the question in the
 *   instruction template, so its exact match starts at 0.
 * - `alpaca` (instruction data): the questions with the bare category as the answer.
 *
 * Why this task and not harder ones: the answer depends on which item the sentence mentions,
 * wherever it stands, so attention that averages over the prompt already carries it and LoRA
 * only has to learn the question format and read the item off. Tasks whose answer must be copied
 * from a fixed position (the digits of a number) or looked up in a two-number table (3加4) need a
 * new attention pattern first, which a 4-layer, 128-wide model finds only after a long, seed-
 * dependent plateau — too slow and too unreliable for an example that must finish in minutes.
 *
 * Rows are distinct and balanced: the categories take turns in a seeded order, each drawing its
 * questions in a seeded random order without repeats; when all run out the generator starts over.
 */
import { createRng } from "../../util/random.js";
import { balanced } from "./balanced.js";

export interface CategoriesZhOptions {
  rows: number;
  seed: number;
}

export const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  水果: ["苹果", "香蕉", "葡萄", "西瓜", "橘子", "草莓", "桃子", "梨", "芒果", "樱桃"],
  动物: ["猫", "狗", "老虎", "大象", "兔子", "熊猫", "狮子", "猴子", "马", "鸭子"],
  颜色: ["红色", "蓝色", "绿色", "黄色", "紫色", "白色", "黑色", "橙色", "粉色", "灰色"],
  交通工具: [
    "汽车",
    "火车",
    "飞机",
    "轮船",
    "自行车",
    "地铁",
    "公交车",
    "摩托车",
    "出租车",
    "高铁",
  ],
  乐器: ["钢琴", "小提琴", "吉他", "二胡", "笛子", "古筝", "鼓", "琵琶", "口琴", "大提琴"],
};

const FRAMES = [
  "我喜欢{x}。",
  "他最近常常提到{x}。",
  "这张图片里有{x}。",
  "我们今天聊聊{x}。",
  "她在纸上画了{x}。",
  "故事里出现了{x}。",
  "老师问起了{x}。",
  "妹妹想要{x}。",
  "书上写着{x}。",
  "我昨天看到了{x}。",
  "大家都在说{x}。",
  "他把{x}记在心里。",
  "照片中间是{x}。",
  "爷爷讲起了{x}。",
  "我们讨论了{x}。",
  "她最喜欢的是{x}。",
  "视频里介绍了{x}。",
  "弟弟指着{x}。",
  "今天的主题是{x}。",
  "他梦见了{x}。",
];

const PHRASINGS = ["这句话说的是哪一类事物？{s}", "下面的句子提到了哪一类东西：{s}"];

export interface CategoryQuestion {
  category: string;
  item: string;
  sentence: string;
  question: string;
}

/** Every question, in a fixed order (2,000). */
export function categoryQuestionSpace(): CategoryQuestion[] {
  return Object.keys(CATEGORIES).flatMap((category) => categoryQuestions(category));
}

function categoryQuestions(category: string): CategoryQuestion[] {
  return CATEGORIES[category].flatMap((item) =>
    FRAMES.flatMap((frame) => {
      const sentence = frame.replace("{x}", item);
      return PHRASINGS.map((p) => ({
        category,
        item,
        sentence,
        question: p.replace("{s}", sentence),
      }));
    }),
  );
}

/** `rows` distinct questions (until the space runs out), the categories in turn. */
export function categoryFacts(options: CategoriesZhOptions): CategoryQuestion[] {
  const pools = Object.keys(CATEGORIES).map((c) => categoryQuestions(c));
  return balanced(pools, options.rows, createRng(options.seed));
}

/** Alpaca rows: instruction = the question (sentence included), output = the category. */
export function categoryAlpacaRows(options: CategoriesZhOptions) {
  return categoryFacts(options).map((q) => ({
    instruction: q.question,
    input: "",
    output: q.category,
  }));
}

/**
 * Plain text lines for pre-training: statements of what each item is (two in five lines) and
 * the frame sentences with the items in them (the rest). No questions and no template.
 */
export function categoryTextLines(options: CategoriesZhOptions): string[] {
  const rng = createRng(options.seed ^ 0x2f6b1d3);
  const facts = Object.entries(CATEGORIES).flatMap(([c, items]) =>
    items.map((x) => `${x}是一种${c}。`),
  );
  const items = Object.values(CATEGORIES).flat();
  const lines: string[] = [];
  for (let i = 0; i < options.rows; i++) {
    lines.push(
      rng.next() < 0.4
        ? facts[rng.int(facts.length)]
        : FRAMES[rng.int(FRAMES.length)].replace("{x}", items[rng.int(items.length)]),
    );
  }
  return lines;
}
