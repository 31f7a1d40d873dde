import type { PipeCommand } from "../command.js";

export const detectCommand: PipeCommand = {
  command: "detect <weights> <images..>",
  describe: "run a trained detector on images; write JSON and YOLO txt predictions",
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
        describe: "image files, folders or .txt lists",
      })
      .option("conf", { type: "number", default: 0.25, describe: "confidence threshold" })
      .option("iou", {
        type: "number",
        default: 0.45,
        describe: "NMS IoU threshold (suppress when IoU > iou)",
      })
      .option("max-det", { type: "number", default: 300, describe: "detections per image at most" })
      .option("out", { type: "string", default: "runs/detect", describe: "output folder" })
      .option("save-conf", {
        type: "boolean",
        default: false,
        describe: "append the confidence to YOLO txt rows",
      })
      .option("batch", { type: "number", default: 16, describe: "images per forward pass" }),
  run: async (io, args) => {
    const { runDetect } = await import("./detect.js");
    return runDetect(io, {
      weights: args.weights as string,
      images: args.images as string[],
      conf: args.conf as number,
      iou: args.iou as number,
      maxDet: args["max-det"] as number,
      out: args.out as string,
      saveConf: Boolean(args["save-conf"]),
      batch: args.batch as number,
    });
  },
};
