/**
 * Multiple-choice benchmarks (MMLU / C-Eval style): each item is a question with lettered
 * options. Scored either by answer-letter likelihood — the model's log-probability of each
 * letter right after the prompt, the highest wins (`mc_loglik`) — or by generation, reading
 * the chosen letter from the reply (`mc`). The prompt is the seed's (chapter 2.2.2):
 *
 *   问题：{question}\n\n选项：\nA. …\nB. …\n\n请选择正确答案（A/B/C/D）：
 *
 * or an English one; with a template, that text is the instruction of the templated prompt.
 */
import { applyTemplate, type ResolvedTemplate } from "../data/template/apply-template.js";
import { promptText } from "../data/template/segments.js";
import type { SegmentTokenizer } from "../data/template/tokenize-example.js";
import { DEFAULT_CHOICE_LETTERS } from "../eval/metrics/multiple-choice.js";
import type { CausalLM } from "../train/causal-lm.js";
import type { LmExample } from "../train/batches.js";
import { sequenceLogLikelihoods } from "./log-likelihood.js";

export interface ChoiceItem {
  question: string;
  choices: string[];
  /** The correct letter ("B"). */
  answer: string;
  id?: string | number;
}

export type ChoicePromptStyle = "zh" | "en";

/**
 * A row → ChoiceItem: `question`; `choices` or `options` (array), or fields `A`, `B`, …;
 * `answer` as a letter or a 0-based index. Throws with the row number when something is missing.
 */
export function toChoiceItem(
  row: unknown,
  index: number,
  letters: readonly string[] = DEFAULT_CHOICE_LETTERS,
): ChoiceItem {
  const fail = (what: string) => new Error(`multiple-choice record ${index + 1}: ${what}`);
  if (!row || typeof row !== "object") throw fail("is not an object");
  const r = row as Record<string, unknown>;
  const question = r.question ?? r.instruction;
  if (typeof question !== "string") throw fail("has no `question` text");
  const list = Array.isArray(r.choices) ? r.choices : Array.isArray(r.options) ? r.options : null;
  const choices = (list ??
    letters.filter((l) => typeof r[l] === "string").map((l) => r[l])) as unknown[];
  if (choices.length < 2 || !choices.every((c) => typeof c === "string")) {
    throw fail("needs at least two options (`choices`, `options`, or fields A, B, …)");
  }
  if (choices.length > letters.length)
    throw fail(`has ${choices.length} options for ${letters.length} letters`);
  const raw = r.answer ?? r.label;
  const answer =
    typeof raw === "number" && Number.isInteger(raw)
      ? letters[raw]
      : typeof raw === "string"
        ? raw.trim()
        : undefined;
  if (!answer || !letters.slice(0, choices.length).includes(answer)) {
    throw fail(
      `has no valid answer (got ${JSON.stringify(raw)}; letters ${letters.slice(0, choices.length).join("/")})`,
    );
  }
  return {
    question,
    choices: choices as string[],
    answer,
    ...(r.id !== undefined ? { id: r.id as string | number } : {}),
  };
}

export function choicePrompt(
  item: ChoiceItem,
  options: {
    style?: ChoicePromptStyle;
    template?: ResolvedTemplate;
    letters?: readonly string[];
  } = {},
): string {
  const letters = (options.letters ?? DEFAULT_CHOICE_LETTERS).slice(0, item.choices.length);
  const lines = item.choices.map((c, i) => `${letters[i]}. ${c}`).join("\n");
  const text =
    (options.style ?? "zh") === "zh"
      ? `问题：${item.question}\n\n选项：\n${lines}\n\n请选择正确答案（${letters.join("/")}）：`
      : `Question: ${item.question}\n\nOptions:\n${lines}\n\nAnswer with the letter of the correct option (${letters.join("/")}):`;
  if (!options.template) return text;
  return promptText(
    applyTemplate(
      {
        kind: "instruction",
        instruction: text,
        input: "",
        output: "",
        source: { path: "<mc>", line: 0, origin: "file" },
      },
      options.template,
    ),
  );
}

export interface LetterScores {
  /** Log-likelihood of each letter, aligned with the item's options. */
  choiceLogLikelihoods: number[];
}

/**
 * Σ log p(letter tokens | prompt) per option. The letter is tokenized on its own (as answer
 * segments are in training), after `letterPrefix` (default "", " " suits English prompts).
 */
export async function letterLogLikelihoods(
  model: CausalLM,
  tokenizer: SegmentTokenizer,
  items: readonly ChoiceItem[],
  options: {
    padId: number;
    batchSize?: number;
    style?: ChoicePromptStyle;
    template?: ResolvedTemplate;
    letters?: readonly string[];
    letterPrefix?: string;
  },
): Promise<LetterScores[]> {
  const letters = options.letters ?? DEFAULT_CHOICE_LETTERS;
  const rows: LmExample[] = [];
  for (const item of items) {
    const prompt = tokenizer.encode(choicePrompt(item, options));
    if (tokenizer.addBos && tokenizer.bosId !== undefined && prompt[0] !== tokenizer.bosId) {
      prompt.unshift(tokenizer.bosId);
    }
    for (let k = 0; k < item.choices.length; k++) {
      const letter = tokenizer.encode(`${options.letterPrefix ?? ""}${letters[k]}`);
      rows.push({
        inputIds: [...prompt, ...letter],
        labels: [...prompt.map(() => -100), ...letter],
      });
    }
  }
  const scores = await sequenceLogLikelihoods(model, rows, options);
  let at = 0;
  return items.map((item) => {
    const ll = scores.slice(at, at + item.choices.length).map((s) => -s.nllSum);
    at += item.choices.length;
    return { choiceLogLikelihoods: ll };
  });
}
