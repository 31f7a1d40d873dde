import type { PipeCommand } from "../command.js";

export const convertCommand: PipeCommand = {
  command: "convert <direction> <input> <output>",
  describe: "convert detection labels: voc2yolo (Pascal VOC → YOLO dataset) or yolo2voc",
  builder: (y) =>
    y
      .positional("direction", {
        choices: ["voc2yolo", "yolo2voc"],
        demandOption: true,
        describe: "conversion",
      })
      .positional("input", {
        type: "string",
        demandOption: true,
        describe:
          "voc2yolo: VOC folder (Annotations/ + JPEGImages/, or XML and images together); yolo2voc: dataset.yaml or its folder",
      })
      .positional("output", { type: "string", demandOption: true, describe: "output folder" })
      .option("classes", {
        type: "string",
        describe: "voc2yolo: class list a,b,c (index = id); default: every name found, sorted",
      })
      .option("images", {
        type: "string",
        describe: "voc2yolo: image folder (default: <input>/JPEGImages or <input>)",
      })
      .option("val", {
        type: "number",
        default: 0.2,
        describe: "voc2yolo: fraction of images for val",
      })
      .option("seed", { type: "number", default: 0, describe: "voc2yolo: split seed" })
      .option("difficult", {
        choices: ["skip", "keep"],
        default: "skip",
        describe: "voc2yolo: objects marked difficult",
      })
      .option("symlink", {
        type: "boolean",
        default: false,
        describe: "voc2yolo: link images instead of copying",
      })
      .option("split", {
        type: "string",
        array: true,
        describe: "yolo2voc: splits to export (default: all in dataset.yaml)",
      })
      .option("zero-based", {
        type: "boolean",
        default: false,
        describe: "0-based pixel boxes instead of VOC's 1-based",
      }),
  run: async (io, args) => {
    const { runConvert } = await import("./convert.js");
    return runConvert(io, {
      direction: args.direction as "voc2yolo" | "yolo2voc",
      input: args.input as string,
      output: args.output as string,
      ...(args.classes !== undefined ? { classes: String(args.classes) } : {}),
      ...(args.images !== undefined ? { images: String(args.images) } : {}),
      val: args.val as number,
      seed: args.seed as number,
      difficult: args.difficult as "skip" | "keep",
      symlink: Boolean(args.symlink),
      ...(args.split !== undefined ? { split: (args.split as string[]).map(String) } : {}),
      zeroBased: Boolean(args["zero-based"]),
    });
  },
};
