/**
 * Judge-model scoring: read a 1–10 score out of a judge's free text and aggregate.
 */

export interface JudgeScaleOptions {
  min?: number;
  max?: number;
}

const NUM = String.raw`(\d+(?:\.\d+)?)`;

/**
 * The score a judge's reply gives, or null when none can be read or it is outside
 * [min, max] (default 1–10). In order of trust (the last occurrence of a kind wins):
 * 1. MT-Bench's "[[7]]" / "[[7.5]]";
 * 2. a labelled score: "Score: 7", "Rating: 8/10", "评分：7", "得分为 6 分", "打分: 9";
 * 3. "7/10" or "7 out of 10" (the denominator must be `max`);
 * 4. "7分";
 * 5. a reply that is only a number.
 * Full-width digits and colons are normalised first (NFKC).
 */
export function parseJudgeScore(reply: string, options: JudgeScaleOptions = {}): number | null {
  const min = options.min ?? 1;
  const max = options.max ?? 10;
  const text = reply.normalize("NFKC").replace(/[*_`]/g, "");
  const inRange = (v: number): number | null => (v >= min && v <= max ? v : null);
  const last = (pattern: RegExp): RegExpExecArray | null => {
    let found: RegExpExecArray | null = null;
    for (const m of text.matchAll(pattern)) found = m;
    return found;
  };

  const bracketed = last(new RegExp(String.raw`\[\[\s*${NUM}\s*\]\]`, "g"));
  if (bracketed) return inRange(Number(bracketed[1]));

  const labelled = last(
    new RegExp(
      String.raw`(?:score|rating|grade|评分|得分|分数|打分|评级)\s*(?:is|of|:|=|为|是)?\s*[:：]?\s*${NUM}(?:\s*(?:/|out\s+of)\s*(\d+))?`,
      "giu",
    ),
  );
  if (labelled) {
    if (labelled[2] !== undefined && Number(labelled[2]) !== max) return null;
    return inRange(Number(labelled[1]));
  }

  const fraction = last(new RegExp(String.raw`${NUM}\s*(?:/|out\s+of)\s*(\d+)`, "gi"));
  if (fraction && Number(fraction[2]) === max) return inRange(Number(fraction[1]));

  const fen = last(new RegExp(String.raw`${NUM}\s*分`, "gu"));
  if (fen) return inRange(Number(fen[1]));

  const bare = /^\s*(\d+(?:\.\d+)?)\s*[.。]?\s*$/.exec(text);
  if (bare) return inRange(Number(bare[1]));
  return null;
}

export interface JudgeAggregate {
  /** Mean of the readable scores (NaN when none). */
  mean: number;
  /** Readable scores. */
  count: number;
  /** Replies with no readable in-range score. */
  invalid: number;
  total: number;
  /** Per reply, in order. */
  scores: (number | null)[];
}

export function aggregateJudgeScores(
  replies: readonly string[],
  options: JudgeScaleOptions = {},
): JudgeAggregate {
  const scores = replies.map((r) => parseJudgeScore(r, options));
  const valid = scores.filter((s): s is number => s !== null);
  return {
    mean: valid.length ? valid.reduce((a, b) => a + b, 0) / valid.length : NaN,
    count: valid.length,
    invalid: scores.length - valid.length,
    total: scores.length,
    scores,
  };
}
