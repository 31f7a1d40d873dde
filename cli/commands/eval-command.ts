import type { PipeCommand } from "../command.js";

export const evalCommand: PipeCommand = {
  command: "eval",
  describe: "score a prediction file against references (BLEU, ROUGE, exact match, GSM8K, …)",
  builder: (y) =>
    y
      .option("pred", {
        type: "string",
        demandOption: true,
        describe: "predictions: .jsonl, .json, .csv, or plain text (one per line)",
      })
      .option("ref", {
        type: "string",
        describe: "references, paired by `id` when every record has one, else by position",
      })
      .option("metrics", {
        type: "string",
        array: true,
        nargs: 1,
        demandOption: true,
        describe:
          "comma-separated: bleu, sentence_bleu, nltk_bleu, rouge, rouge1, rouge2, rougeL, rougeLsum, exact_match, exact_match_normalized, accuracy, gsm8k, mc, mc_loglik, perplexity, judge",
      })
      .option("field", {
        type: "string",
        describe:
          "the field holding the text in object records (default: prediction/output/response/text; reference/answer/target/output/label)",
      })
      .option("ref-field", {
        type: "string",
        describe: "the reference field, when it differs from --field",
      })
      .option("bleu-tokenizer", {
        choices: ["auto", "13a", "zh", "char", "none"],
        default: "auto",
        describe: "sacrebleu tokenizer (auto: zh when the texts hold Chinese, else 13a)",
      })
      .option("rouge-tokenizer", {
        choices: ["auto", "rouge-score", "cjk"],
        default: "auto",
        describe: "ROUGE tokenizer (auto: cjk when the texts hold CJK, else rouge-score's)",
      })
      .option("lowercase", { type: "boolean", default: false, describe: "lower-case for BLEU" })
      .option("stemmer", { type: "boolean", default: false, describe: "Porter stemmer for ROUGE" })
      .option("per-item", {
        type: "boolean",
        default: false,
        describe: "keep per-record values in the JSON output",
      })
      .option("require", {
        type: "string",
        array: true,
        nargs: 1,
        default: [],
        describe: 'a gate such as "rouge1>=0.3" or "bleu.bp>=0.9"; exit 1 when one fails',
      })
      .option("out", { type: "string", describe: "write the results as JSON (eval.json)" })
      .option("format", {
        choices: ["table", "json"],
        default: "table",
        describe: "output format",
      }),
  run: async (io, args) => {
    const { runEval } = await import("./eval.js");
    return runEval(io, {
      pred: String(args.pred),
      ...(args.ref !== undefined ? { ref: String(args.ref) } : {}),
      metrics: (args.metrics as unknown[]).map(String),
      ...(args.field !== undefined ? { field: String(args.field) } : {}),
      ...(args.refField !== undefined ? { refField: String(args.refField) } : {}),
      bleuTokenizer: args.bleuTokenizer as "auto" | "13a" | "zh" | "char" | "none",
      rougeTokenizer: args.rougeTokenizer as "auto" | "rouge-score" | "cjk",
      lowercase: Boolean(args.lowercase),
      stemmer: Boolean(args.stemmer),
      perItem: Boolean(args.perItem),
      require: (args.require as unknown[]).map(String),
      ...(args.out !== undefined ? { out: String(args.out) } : {}),
      format: args.format as "table" | "json",
    });
  },
};
