/**
 * Inference: letterbox each image to the model's square input (area resampling when shrinking,
 * as Ultralytics' evaluation), run the network in batches without recording, decode boxes and
 * take class probabilities on the device, post-process (threshold + batched NMS) and map the
 * boxes back to each original image's pixels (`boxFromLetterbox`, clipped to the image).
 */
import type { RgbImage } from "../../image/rgb-image.js";
import { toChwFloat32 } from "../../image/rgb-image.js";
import { letterbox, boxFromLetterbox, type LetterboxGeometry } from "../../image/letterbox.js";
import { fromArray } from "../../tensor/creation.js";
import { tidy } from "../../tensor/scope.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { sigmoid } from "../../ops/elementwise.js";
import type { Detector } from "../model/detector.js";
import { postprocessDetections, type Detection, type PostprocessOptions } from "./postprocess.js";

export interface PredictOptions extends PostprocessOptions {
  /** Input side (default: the model's imgsz). */
  imgsz?: number;
  /** Images per forward pass (default 16). */
  batch?: number;
}

/** A letterboxed network input and the geometry that maps boxes back. */
export interface PreparedImage {
  input: RgbImage;
  geometry: LetterboxGeometry;
}

export function prepareImage(image: RgbImage, imgsz: number): PreparedImage {
  const shrink = Math.max(image.width, image.height) > imgsz;
  const { image: input, geometry } = letterbox(image, {
    size: imgsz,
    method: shrink ? "area" : "bilinear",
  });
  return { input, geometry };
}

/** Raw detections (network-input pixels) for prepared images of one size. */
export async function detectPrepared(
  detector: Detector,
  inputs: readonly RgbImage[],
  options: PostprocessOptions = {},
): Promise<Detection[][]> {
  if (inputs.length === 0) return [];
  const { width: W, height: H } = inputs[0];
  const plane = 3 * W * H;
  const data = new Float32Array(inputs.length * plane);
  inputs.forEach((img, i) => {
    if (img.width !== W || img.height !== H)
      throw new Error("internal: detectPrepared needs images of one size");
    toChwFloat32(img, data, i * plane);
  });
  const backend = detector.backend;
  const { boxes, probs } = tidy(() =>
    noGrad(() => {
      const x = fromArray(data, [inputs.length, 3, H, W], { backend });
      const out = detector.forward(x, { training: false });
      return { boxes: detector.decodeBoxes(out.box, H, W), probs: sigmoid(out.cls) };
    }),
  );
  try {
    const [b, p] = [await boxes.toFloat32Array(), await probs.toFloat32Array()];
    return await postprocessDetections(
      b,
      p,
      inputs.length,
      detector.config.names.length,
      boxes,
      options,
    );
  } finally {
    boxes.dispose();
    probs.dispose();
  }
}

/** Map detections on a letterboxed input back to the original image. */
export function mapToOriginal(dets: readonly Detection[], g: LetterboxGeometry): Detection[] {
  return dets.map((d) => ({ ...d, box: boxFromLetterbox(d.box, g) }));
}

/** Detections in original-image pixels for each image. */
export async function predictImages(
  detector: Detector,
  images: readonly RgbImage[],
  options: PredictOptions = {},
): Promise<Detection[][]> {
  const imgsz = options.imgsz ?? detector.config.imgsz;
  const batch = Math.max(1, options.batch ?? 16);
  const out: Detection[][] = [];
  for (let i = 0; i < images.length; i += batch) {
    const prepared = images.slice(i, i + batch).map((img) => prepareImage(img, imgsz));
    const raw = await detectPrepared(
      detector,
      prepared.map((p) => p.input),
      options,
    );
    raw.forEach((dets, k) => out.push(mapToOriginal(dets, prepared[k].geometry)));
  }
  return out;
}
