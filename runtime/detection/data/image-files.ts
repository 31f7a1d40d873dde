/**
 * Which image files a split holds, and where each one's label file is — Ultralytics'
 * `get_img_files` and `img2label_paths`. A source is a folder (searched recursively) or a `.txt`
 * list of image paths; lines starting with `./` are relative to the list's folder (as in
 * Ultralytics), and so — unlike Ultralytics, which uses the working directory — are other
 * relative lines, so that a dataset means the same thing wherever it is run from.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";

/** Ultralytics' IMG_FORMATS. We decode PNG and JPEG; the rest are listed so they are reported. */
export const IMAGE_EXTENSIONS = new Set([
  "bmp",
  "dng",
  "jpeg",
  "jpg",
  "mpo",
  "png",
  "tif",
  "tiff",
  "webp",
  "pfm",
  "heic",
]);

export function isImagePath(p: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(p).slice(1).toLowerCase());
}

/**
 * The label file of an image: the last `/images/` in the path becomes `/labels/` and the
 * extension `.txt` (Ultralytics `img2label_paths`). An image outside any `images` folder gets
 * the `.txt` beside it.
 */
export function labelPathForImage(imagePath: string): string {
  const sa = `${sep}images${sep}`;
  const sb = `${sep}labels${sep}`;
  const i = imagePath.lastIndexOf(sa);
  const swapped = i >= 0 ? imagePath.slice(0, i) + sb + imagePath.slice(i + sa.length) : imagePath;
  const dot = swapped.lastIndexOf(".");
  const slash = swapped.lastIndexOf(sep);
  return (dot > slash ? swapped.slice(0, dot) : swapped) + ".txt";
}

export interface ImageListing {
  /** Absolute image paths, sorted, without duplicates. */
  files: string[];
  /** Sources that do not exist, and list lines that are not images. */
  issues: DataIssue[];
}

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if ((e.isFile() || e.isSymbolicLink()) && isImagePath(p)) out.push(p);
  }
}

/** List the images of one split from its folders and `.txt` lists. */
export function listImageFiles(sources: readonly string[]): ImageListing {
  const found: string[] = [];
  const issues: DataIssue[] = [];
  for (const src of sources) {
    let st;
    try {
      st = statSync(src);
    } catch {
      issues.push({ code: DET.pathNotFound, path: src, message: `${src} does not exist` });
      continue;
    }
    if (st.isDirectory()) {
      walk(src, found);
      continue;
    }
    let text: string;
    try {
      text = readFileSync(src, "utf8");
    } catch (err) {
      issues.push({
        code: DET.pathNotFound,
        path: src,
        message: `cannot read image list ${src}: ${String(err)}`,
      });
      continue;
    }
    const parent = dirname(src);
    text
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)
      .forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) return;
        if (!isImagePath(line)) {
          issues.push({
            code: DET.imageUnsupported,
            path: src,
            line: i + 1,
            message: `${basename(src)} line ${i + 1}: \`${line}\` is not an image path (extension)`,
          });
          return;
        }
        found.push(isAbsolute(line) ? line : resolve(parent, line));
      });
  }
  const files = [...new Set(found)].sort();
  return { files, issues };
}
