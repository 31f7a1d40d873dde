/**
 * Language by script ratio: letters are counted by Unicode script (Han, Latin, Kana, Hangul,
 * other); digits, punctuation, symbols and spaces do not count. A text is `zh` when Han letters
 * make up at least `minRatio` of its letters (and there is little Kana), `en` when Latin letters
 * do. Latin-script languages are not told apart (French counts as `en`); that needs a model.
 */

export type Language = "zh" | "en" | "ja" | "ko" | "other" | "unknown";

export interface ScriptCounts {
  han: number;
  latin: number;
  kana: number;
  hangul: number;
  other: number;
}

export function scriptCounts(text: string): ScriptCounts {
  const counts: ScriptCounts = { han: 0, latin: 0, kana: 0, hangul: 0, other: 0 };
  for (const m of text.matchAll(/\p{L}/gu)) {
    const ch = m[0];
    if (/\p{Script=Han}/u.test(ch)) counts.han++;
    else if (/\p{Script=Latin}/u.test(ch)) counts.latin++;
    else if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) counts.kana++;
    else if (/\p{Script=Hangul}/u.test(ch)) counts.hangul++;
    else counts.other++;
  }
  return counts;
}

export interface LanguageGuess {
  language: Language;
  /** Share of the deciding script among all letters (0 for `unknown`). */
  ratio: number;
  counts: ScriptCounts;
}

export function detectLanguage(text: string, minRatio = 0.5): LanguageGuess {
  const counts = scriptCounts(text);
  const letters = counts.han + counts.latin + counts.kana + counts.hangul + counts.other;
  if (letters === 0) return { language: "unknown", ratio: 0, counts };
  // Japanese mixes Han with Kana; a tenth of Kana is enough to call it Japanese.
  if (counts.kana / letters >= 0.1 && (counts.kana + counts.han) / letters >= minRatio) {
    return { language: "ja", ratio: (counts.kana + counts.han) / letters, counts };
  }
  const candidates: [Language, number][] = [
    ["zh", counts.han],
    ["en", counts.latin],
    ["ko", counts.hangul],
  ];
  candidates.sort((a, b) => b[1] - a[1]);
  const [best, n] = candidates[0];
  const ratio = n / letters;
  return ratio >= minRatio
    ? { language: best, ratio, counts }
    : { language: "other", ratio, counts };
}
