import type { PipeCommand } from "../command.js";

export const inspectCommand: PipeCommand = {
  command: "inspect <weights> <images..>",
  describe: "quality inspection: PASS / WARNING / FAIL per image, JSON reports, annotated PNGs",
  builder: (y) =>
    y
      .positional("weights", {
        type: "string",
        demandOption: true,
        describe: "weights directory (detector.json + model.safetensors)",
      })
      .positional("images", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "image folders, files or .txt lists",
      })
      .option("severity", {
        type: "string",
        describe:
          "severity per class: crack=high,stain=low (default: the seed's map for matching names)",
      })
      .option("rules", {
        type: "string",
        describe:
          "verdict rules: a JSON file or JSON text, [{ outcome, when }] (default: none → PASS, any high → FAIL, else WARNING)",
      })
      .option("recommend", {
        type: "string",
        array: true,
        default: [],
        describe: 'recommendation per verdict: FAIL="Reject the part"',
      })
      .option("conf", {
        type: "number",
        default: 0.5,
        describe: "confidence threshold (the seed inspects at 0.5)",
      })
      .option("iou", { type: "number", default: 0.45, describe: "NMS IoU threshold" })
      .option("max-det", { type: "number", default: 300, describe: "detections per image at most" })
      .option("out", { type: "string", default: "runs/inspect", describe: "output folder" })
      .option("annotate", {
        type: "boolean",
        default: true,
        describe: "write annotated PNGs (--no-annotate to skip)",
      })
      .option("vlm", {
        type: "string",
        describe: "vision-language model directory for the optional analysis stage",
      }),
  run: async (io, args) => {
    const { runInspect } = await import("./inspect.js");
    return runInspect(io, {
      weights: args.weights as string,
      images: args.images as string[],
      ...(args.severity !== undefined ? { severity: String(args.severity) } : {}),
      ...(args.rules !== undefined ? { rules: String(args.rules) } : {}),
      recommend: (args.recommend as string[]).map(String),
      conf: args.conf as number,
      iou: args.iou as number,
      maxDet: args["max-det"] as number,
      out: args.out as string,
      annotate: Boolean(args.annotate),
      ...(args.vlm !== undefined ? { vlm: String(args.vlm) } : {}),
    });
  },
};
