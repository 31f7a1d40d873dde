/**
 * Pascal VOC annotation XML: read one file into a typed annotation (every problem located by
 * the XML's path, line where known), and write one from boxes. Parsing with fast-xml-parser;
 * tag values are kept as text and converted here so that bad numbers are named.
 */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import type { DataIssue } from "../../../compiler/diagnostics/diagnostic.js";
import { DET } from "../../../compiler/diagnostics/codes/detection.js";

export interface VocObject {
  name: string;
  difficult: boolean;
  truncated: boolean;
  /** VOC pixel coordinates as written in the file (1-based by the VOC convention). */
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface VocAnnotation {
  folder?: string;
  filename?: string;
  /** 0 when the file has no usable `<size>` (the converter then measures the image). */
  width: number;
  height: number;
  depth?: number;
  objects: VocObject[];
}

export interface VocParseResult {
  annotation?: VocAnnotation;
  issues: DataIssue[];
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (tagName) => tagName === "object",
});

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  const t = text(v);
  if (t === undefined || t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export function parseVocXml(xml: string, path: string): VocParseResult {
  const issues: DataIssue[] = [];
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    issues.push({
      code: DET.vocInvalid,
      path,
      line: valid.err.line,
      column: valid.err.col,
      message: `not well-formed XML: ${valid.err.msg}`,
    });
    return { issues };
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (err) {
    issues.push({ code: DET.vocInvalid, path, message: `XML does not parse: ${String(err)}` });
    return { issues };
  }
  const root = doc.annotation as Record<string, unknown> | undefined;
  if (!root || typeof root !== "object") {
    issues.push({
      code: DET.vocInvalid,
      path,
      message: "no <annotation> root element (not a Pascal VOC file)",
    });
    return { issues };
  }
  const size = (root.size ?? {}) as Record<string, unknown>;
  const width = num(size.width) ?? 0;
  const height = num(size.height) ?? 0;
  const objects: VocObject[] = [];
  const rawObjects = Array.isArray(root.object) ? (root.object as Record<string, unknown>[]) : [];
  rawObjects.forEach((o, i) => {
    const name = text(o?.name);
    const where = `object ${i + 1}${name ? ` (${name})` : ""}`;
    if (!name) {
      issues.push({ code: DET.vocInvalid, path, message: `${where}: no <name>` });
      return;
    }
    const bb = (o.bndbox ?? undefined) as Record<string, unknown> | undefined;
    const coords = bb ? [num(bb.xmin), num(bb.ymin), num(bb.xmax), num(bb.ymax)] : [];
    if (!bb || coords.some((c) => c === undefined)) {
      issues.push({
        code: DET.vocBadBox,
        path,
        message: `${where}: <bndbox> is missing or has a non-numeric xmin/ymin/xmax/ymax; object skipped`,
      });
      return;
    }
    const [xmin, ymin, xmax, ymax] = coords as number[];
    objects.push({
      name,
      difficult: num(o.difficult) === 1,
      truncated: num(o.truncated) === 1,
      xmin,
      ymin,
      xmax,
      ymax,
    });
  });
  const depth = num(size.depth);
  return {
    annotation: {
      folder: text(root.folder),
      filename: text(root.filename),
      width,
      height,
      ...(depth !== undefined ? { depth } : {}),
      objects,
    },
    issues,
  };
}

const builder = new XMLBuilder({ format: true, indentBy: "  ", suppressEmptyNode: false });

/** VOC XML text for an annotation. */
export function formatVocXml(a: VocAnnotation): string {
  const body = {
    annotation: {
      folder: a.folder ?? "images",
      filename: a.filename ?? "",
      size: { width: a.width, height: a.height, depth: a.depth ?? 3 },
      segmented: 0,
      object: a.objects.map((o) => ({
        name: o.name,
        pose: "Unspecified",
        truncated: o.truncated ? 1 : 0,
        difficult: o.difficult ? 1 : 0,
        bndbox: { xmin: o.xmin, ymin: o.ymin, xmax: o.xmax, ymax: o.ymax },
      })),
    },
  };
  return builder.build(body) as string;
}
