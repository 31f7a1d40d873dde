import type { DiagnosticEntry } from "./entry.js";

/**
 * PW7xxx — detection data. PW70xx: dataset.yaml, images, labels, scan, VOC conversion and the
 * synthetic defect generator (runtime/detection/data, runtime/image). Per-file problems found
 * while scanning are warnings: the file's image is dropped (or a row removed), counted in the
 * scan report, and the run goes on. Later detection areas take PW71xx and up.
 */
export const DETECTION_CODES = [
  {
    code: "PW7001",
    name: "dataset-yaml-unreadable",
    severity: "error",
    summary: "The dataset.yaml file does not exist or cannot be read.",
  },
  {
    code: "PW7002",
    name: "dataset-yaml-syntax",
    severity: "error",
    summary: "The dataset.yaml file is not valid YAML, or its top level is not a mapping.",
  },
  {
    code: "PW7003",
    name: "dataset-yaml-missing-key",
    severity: "error",
    summary: "A required dataset.yaml key is missing: `train`, `val`, and one of `names` / `nc`.",
  },
  {
    code: "PW7004",
    name: "dataset-yaml-bad-value",
    severity: "error",
    summary: "A dataset.yaml key has a value of the wrong type (e.g. `nc: three`, `train: 3`).",
  },
  {
    code: "PW7005",
    name: "dataset-names-nc-mismatch",
    severity: "error",
    summary: "`names` lists a different number of classes than `nc` says.",
  },
  {
    code: "PW7006",
    name: "dataset-class-index-invalid",
    severity: "error",
    summary: "A `names` map whose keys are not the class indices 0..n-1.",
  },
  {
    code: "PW7007",
    name: "dataset-path-not-found",
    severity: "error",
    summary:
      "A `path`, `train`, `val` or `test` entry names a folder or list file that does not exist.",
  },
  {
    code: "PW7008",
    name: "dataset-no-images",
    severity: "error",
    summary: "A split's folders and image lists contain no image files.",
  },
  {
    code: "PW7010",
    name: "image-unreadable",
    severity: "warning",
    summary: "An image file is missing or cannot be read; the image is dropped.",
  },
  {
    code: "PW7011",
    name: "image-corrupt",
    severity: "warning",
    summary: "An image file does not decode; the image is dropped.",
  },
  {
    code: "PW7012",
    name: "image-truncated",
    severity: "warning",
    summary: "A JPEG file ends before its end-of-image marker; the image is dropped.",
  },
  {
    code: "PW7013",
    name: "image-too-small",
    severity: "warning",
    summary: "An image is smaller than 10 pixels on a side; the image is dropped.",
  },
  {
    code: "PW7014",
    name: "image-format-unsupported",
    severity: "warning",
    summary: "An image in a format other than PNG or JPEG; the image is dropped.",
  },
  {
    code: "PW7020",
    name: "label-unreadable",
    severity: "warning",
    summary: "A label file exists but cannot be read; its image is dropped.",
  },
  {
    code: "PW7021",
    name: "label-bad-columns",
    severity: "warning",
    summary: "A label row without 5 columns (`cls xc yc w h`) or a polygon; its image is dropped.",
  },
  {
    code: "PW7022",
    name: "label-not-numeric",
    severity: "warning",
    summary: "A label row with a value that is not a number; its image is dropped.",
  },
  {
    code: "PW7023",
    name: "label-coordinate-out-of-range",
    severity: "warning",
    summary: "A label row with a coordinate outside [0, 1] (not normalised); its image is dropped.",
  },
  {
    code: "PW7024",
    name: "label-class-out-of-range",
    severity: "warning",
    summary: "A label row whose class is not an integer in [0, nc); its image is dropped.",
  },
  {
    code: "PW7025",
    name: "label-duplicate-rows",
    severity: "warning",
    summary: "Identical label rows; the duplicates are removed and the image kept.",
  },
  {
    code: "PW7026",
    name: "label-zero-size-box",
    severity: "warning",
    summary: "A label row with zero width or height; the row is removed and the image kept.",
  },
  {
    code: "PW7027",
    name: "label-missing",
    severity: "info",
    summary: "An image without a label file; it is used as a background image.",
  },
  {
    code: "PW7028",
    name: "label-empty",
    severity: "info",
    summary: "An empty label file; the image is used as a background image.",
  },
  {
    code: "PW7029",
    name: "label-segment-converted",
    severity: "info",
    summary: "Polygon (segment) label rows were converted to their bounding boxes.",
  },
  {
    code: "PW7030",
    name: "scan-cache-unusable",
    severity: "info",
    summary: "The dataset scan cache could not be read or written; the scan ran without it.",
  },
  {
    code: "PW7040",
    name: "voc-xml-invalid",
    severity: "warning",
    summary: "A Pascal VOC XML file that does not parse or lacks `annotation`/`size`/`bndbox`.",
  },
  {
    code: "PW7041",
    name: "voc-unknown-class",
    severity: "warning",
    summary: "A VOC object whose class is not in the given class list; the object is skipped.",
  },
  {
    code: "PW7042",
    name: "voc-bad-box",
    severity: "warning",
    summary: "A VOC box that is empty or outside the image; the object is skipped or clipped.",
  },
  {
    code: "PW7043",
    name: "voc-image-missing",
    severity: "warning",
    summary: "The image a VOC annotation names cannot be found; the annotation is skipped.",
  },
  {
    code: "PW7044",
    name: "voc-no-annotations",
    severity: "error",
    summary: "No Pascal VOC XML files were found to convert.",
  },
  {
    code: "PW7050",
    name: "defect-generator-option",
    severity: "error",
    summary: "An invalid option for the synthetic defect data generator.",
  },
] as const satisfies readonly DiagnosticEntry[];

/** Code constants, so call sites read as names. */
export const DET = {
  yamlUnreadable: "PW7001",
  yamlSyntax: "PW7002",
  yamlMissingKey: "PW7003",
  yamlBadValue: "PW7004",
  namesNcMismatch: "PW7005",
  classIndexInvalid: "PW7006",
  pathNotFound: "PW7007",
  noImages: "PW7008",
  imageUnreadable: "PW7010",
  imageCorrupt: "PW7011",
  imageTruncated: "PW7012",
  imageTooSmall: "PW7013",
  imageUnsupported: "PW7014",
  labelUnreadable: "PW7020",
  labelBadColumns: "PW7021",
  labelNotNumeric: "PW7022",
  labelOutOfRange: "PW7023",
  labelClassOutOfRange: "PW7024",
  labelDuplicates: "PW7025",
  labelZeroSize: "PW7026",
  labelMissing: "PW7027",
  labelEmpty: "PW7028",
  labelSegments: "PW7029",
  scanCache: "PW7030",
  vocInvalid: "PW7040",
  vocUnknownClass: "PW7041",
  vocBadBox: "PW7042",
  vocImageMissing: "PW7043",
  vocNoAnnotations: "PW7044",
  generatorOption: "PW7050",
} as const;
