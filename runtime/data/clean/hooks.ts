/**
 * Model-backed hooks of seed chapter 2.1: quality scoring by a judge, synthetic samples from a
 * teacher, augmentation. The data layer only defines the interfaces and the plumbing (prompting,
 * parsing, seeding, accounting); the runtime backs them with its generator. The prompts are the
 * seed's (DataCleaner.check_quality_score, DataCollectionPipeline.generate_synthetic_data).
 */
import type { Rng } from "../../util/random.js";
import { recordField, type DataRecord, type InstructionRecord } from "../format/record.js";

/** A score for a record (the seed's judge gives 1–5 and keeps ≥ 4). */
export type QualityScorer = (record: DataRecord) => Promise<number>;

/** Extra records derived from a kept record (the original is kept as well). */
export type Augmenter = (record: DataRecord, rng: Rng) => Promise<DataRecord[]> | DataRecord[];

/** Text generation: the teacher or judge model behind a hook. */
export type TextGenerator = (prompt: string) => Promise<string>;

/** New records from seed examples (a teacher model). Returns any number, possibly none. */
export type SyntheticSampler = (
  seedExamples: readonly DataRecord[],
  rng: Rng,
) => Promise<DataRecord[]>;

export function judgePrompt(record: DataRecord): string {
  return `请评估以下指令-回答对的质量（1-5分）：

指令：${recordField(record, "instruction") ?? recordField(record, "text") ?? ""}
回答：${recordField(record, "output") ?? recordField(record, "chosen") ?? ""}

评分标准：
5分：指令清晰，回答准确完整，格式规范
4分：整体良好，有小瑕疵
3分：可接受，但有明显问题
2分：质量较差，需要修改
1分：完全不可用

请只返回数字评分：`;
}

/** The first number in a judge's reply ("4", "评分：4.5分"), or NaN. */
export function parseJudgeScore(reply: string): number {
  const m = /-?\d+(?:\.\d+)?/.exec(reply);
  return m ? Number(m[0]) : Number.NaN;
}

/** A QualityScorer from a judge model's text generator, with the seed's prompt. */
export function judgeScorer(generate: TextGenerator): QualityScorer {
  return async (record) => parseJudgeScore(await generate(judgePrompt(record)));
}

export function synthesisPrompt(seed: DataRecord): string {
  return `请模仿以下示例的风格，生成一个新的指令-回答对：

示例：
指令：${recordField(seed, "instruction") ?? ""}
回答：${recordField(seed, "output") ?? recordField(seed, "chosen") ?? ""}

请生成一个不同的但类似的指令-回答对：`;
}

/**
 * Parses "指令：…\n回答：…" (also with ASCII colons, or English "Instruction:" / "Response:" /
 * "Answer:"). Undefined when either part is missing or empty.
 */
export function parseSyntheticPair(
  reply: string,
): { instruction: string; output: string } | undefined {
  const m =
    /(?:指令|Instruction)\s*[:：]\s*([\s\S]*?)\n\s*(?:回答|Response|Answer|Output)\s*[:：]\s*([\s\S]*)$/i.exec(
      reply.trim(),
    );
  if (!m) return undefined;
  const instruction = m[1].trim();
  const output = m[2].trim();
  return instruction && output ? { instruction, output } : undefined;
}

/**
 * The seed's generator: `count` times, pick a seed example with the seeded rng, prompt the
 * teacher, parse its reply. Unparseable replies come back as `undefined` entries so the cleaner
 * can count them.
 */
export async function teacherSynthesis(
  generate: TextGenerator,
  seedExamples: readonly DataRecord[],
  count: number,
  rng: Rng,
): Promise<
  (
    | { instruction: string; output: string; seed: DataRecord }
    | { failed: true; seed: DataRecord; reply: string }
  )[]
> {
  const out: (
    | { instruction: string; output: string; seed: DataRecord }
    | { failed: true; seed: DataRecord; reply: string }
  )[] = [];
  for (let i = 0; i < count && seedExamples.length > 0; i++) {
    const seed = seedExamples[rng.int(seedExamples.length)];
    const reply = await generate(synthesisPrompt(seed));
    const pair = parseSyntheticPair(reply);
    out.push(pair ? { ...pair, seed } : { failed: true, seed, reply });
  }
  return out;
}

/**
 * A model-free augmenter (the seed's `add_noise`): one copy of an instruction record whose
 * instruction has a few characters dropped or swapped, at `rate` per character, seeded.
 */
export function noiseAugmenter(rate = 0.05): Augmenter {
  return (record, rng) => {
    if (record.kind !== "instruction") return [];
    const chars = Array.from(record.instruction);
    const out: string[] = [];
    for (let i = 0; i < chars.length; i++) {
      const r = rng.next();
      if (r < rate / 2) continue; // drop
      if (r < rate && i + 1 < chars.length) {
        out.push(chars[i + 1], chars[i]); // swap with the next
        i++;
        continue;
      }
      out.push(chars[i]);
    }
    const noisy = out.join("");
    if (noisy === record.instruction) return [];
    const copy: InstructionRecord = {
      ...record,
      instruction: noisy,
      source: { ...record.source, origin: "augmented" },
    };
    return [copy];
  };
}

/** The seed's `rewrite_instruction`: the teacher paraphrases the instruction. */
export function rewriteAugmenter(generate: TextGenerator): Augmenter {
  return async (record) => {
    if (record.kind !== "instruction") return [];
    const reply = (
      await generate(`请改写以下指令，保持含义不变，只返回改写后的指令：\n\n${record.instruction}`)
    ).trim();
    if (!reply || reply === record.instruction) return [];
    return [{ ...record, instruction: reply, source: { ...record.source, origin: "augmented" } }];
  };
}
