/**
 * Check one image and its label file, like Ultralytics' `verify_image_label`: the image must
 * decode and be at least 10 px on each side; the label file must parse (see label-file.ts). A
 * missing or empty label file makes a background image. Never throws for bad data: the outcome
 * and its reasons come back as values.
 */
import { readFile } from "node:fs/promises";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";
import { tryDecodeImage, type DecodeOptions } from "../../image/decode.js";
import type { RgbImage } from "../../image/rgb-image.js";
import type { YoloBox } from "./boxes.js";
import { parseLabelText, type LabelParseOptions } from "./label-file.js";

/** Ultralytics rejects images with a side below 10 px. */
export const MIN_IMAGE_SIDE = 10;

/** A usable image: its size and its (possibly empty) boxes. */
export interface VerifiedImage {
  imagePath: string;
  labelPath: string;
  width: number;
  height: number;
  boxes: YoloBox[];
}

export type LabelState = "found" | "missing" | "empty";

export interface VerifyOutcome {
  /** Set when the image is kept. */
  item?: VerifiedImage;
  /** Undefined when the image itself failed (the label file was not looked at). */
  label?: LabelState;
  corrupt: boolean;
  duplicatesRemoved: number;
  zeroSizeRemoved: number;
  segmentsConverted: number;
  issues: DataIssue[];
  /** The decoded pixels, when the caller asked to keep them. */
  image?: RgbImage;
}

export interface VerifyOptions extends LabelParseOptions, DecodeOptions {
  /** Hand back the decoded image (saves a second decode when loading right after a scan). */
  keepImage?: boolean;
}

export async function verifyImageLabel(
  imagePath: string,
  labelPath: string,
  options: VerifyOptions,
): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    corrupt: false,
    duplicatesRemoved: 0,
    zeroSizeRemoved: 0,
    segmentsConverted: 0,
    issues: [],
  };
  const fail = (code: string, path: string, message: string) => {
    outcome.corrupt = true;
    outcome.issues.push({ code, path, message });
    return outcome;
  };

  let bytes: Uint8Array;
  try {
    bytes = await readFile(imagePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(
      DET.imageUnreadable,
      imagePath,
      `cannot read image: ${code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : String(err)}`,
    );
  }
  const decoded = tryDecodeImage(bytes, options);
  if (!decoded.ok) return fail(decoded.code, imagePath, decoded.reason);
  const { width, height } = decoded.image;
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    return fail(
      DET.imageTooSmall,
      imagePath,
      `image is ${width}x${height}, smaller than ${MIN_IMAGE_SIDE} px on a side`,
    );
  }

  let text: string | undefined;
  try {
    text = await readFile(labelPath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") {
      return fail(
        DET.labelUnreadable,
        labelPath,
        `cannot read label file: ${code === "EISDIR" ? "is a directory" : String(err)}`,
      );
    }
  }
  let boxes: YoloBox[] = [];
  if (text === undefined) {
    outcome.label = "missing";
    outcome.issues.push({
      code: DET.labelMissing,
      path: labelPath,
      message: `no label file for ${imagePath}; used as a background image`,
    });
  } else {
    outcome.label = "found";
    const parsed = parseLabelText(text, labelPath, options);
    outcome.issues.push(...parsed.issues);
    if (parsed.corrupt) {
      outcome.corrupt = true;
      return outcome;
    }
    outcome.duplicatesRemoved = parsed.duplicatesRemoved;
    outcome.zeroSizeRemoved = parsed.zeroSizeRemoved;
    outcome.segmentsConverted = parsed.segmentsConverted;
    boxes = parsed.boxes;
    if (parsed.rows === 0) {
      outcome.label = "empty";
      outcome.issues.push({
        code: DET.labelEmpty,
        path: labelPath,
        message: "empty label file; used as a background image",
      });
    }
  }
  outcome.item = { imagePath, labelPath, width, height, boxes };
  if (options.keepImage) outcome.image = decoded.image;
  return outcome;
}
