/**
 * Model-as-judge (seed chapter 2.2.1, `evaluate_with_llm`): a judge model reads the
 * instruction, the reference and the model's answer and gives a 1–10 score; the replies are
 * parsed and averaged by runtime/eval (`judge` metric: MT-Bench `[[n]]`, "评分：7", "7/10", …).
 */
import type { BatchGenerator } from "./record-prompt.js";

export interface JudgeItem {
  instruction: string;
  reference: string;
  prediction: string;
}

/** The seed's judge prompt. */
export function judgePrompt(item: JudgeItem): string {
  return `请评估以下AI回答的质量（1-10分）：

指令：${item.instruction}
参考答案：${item.reference}
模型回答：${item.prediction}

评分标准：
- 准确性：回答是否正确
- 完整性：是否涵盖关键点
- 流畅性：语言是否通顺
- 相关性：是否切题

请给出评分（1-10）和简要理由：`;
}

/** The judge's replies, one per item, in order. */
export async function judgeReplies(
  items: readonly JudgeItem[],
  judge: BatchGenerator,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<string[]> {
  const batchSize = options.batchSize ?? 8;
  const out: string[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const chunk = items.slice(i, i + batchSize).map(judgePrompt);
    const replies = await judge(chunk);
    if (replies.length !== chunk.length) {
      throw new Error(`the judge returned ${replies.length} replies for ${chunk.length} prompts`);
    }
    out.push(...replies);
    options.onProgress?.(out.length, items.length);
  }
  return out;
}
