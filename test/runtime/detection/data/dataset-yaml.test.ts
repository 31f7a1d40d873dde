import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkDatasetYaml,
  formatDatasetYaml,
  loadDatasetYaml,
  parseDatasetYaml,
} from "../../../../runtime/detection/data/dataset-yaml.js";
import { isPipeError } from "../../../../compiler/diagnostics/pipe-error.js";

/** A dataset folder with images/{train,val} and a dataset.yaml of the given text. */
function dataset(yaml: string, extra: string[] = []): { dir: string; yamlPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "pw-yaml-"));
  for (const d of ["images/train", "images/val", ...extra])
    mkdirSync(join(dir, d), { recursive: true });
  const yamlPath = join(dir, "dataset.yaml");
  writeFileSync(yamlPath, yaml);
  return { dir, yamlPath };
}

describe("dataset.yaml", () => {
  it("reads the seed's example (names as a map, nc, path)", () => {
    const { dir, yamlPath } = dataset("x");
    writeFileSync(
      yamlPath,
      `path: ${dir}\ntrain: images/train\nval: images/val\ntest: images/test\n\nnc: 3\nnames:\n  0: defect_scratch\n  1: defect_crack\n  2: defect_stain\n`,
    );
    mkdirSync(join(dir, "images/test"));
    const c = loadDatasetYaml(yamlPath);
    expect(c.names).toEqual(["defect_scratch", "defect_crack", "defect_stain"]);
    expect(c.nc).toBe(3);
    expect(c.root).toBe(dir);
    expect(c.train).toEqual([join(dir, "images/train")]);
    expect(c.test).toEqual([join(dir, "images/test")]);
    expect(c.keyLines.names?.line).toBe(7);
  });

  it("takes names as a list, a map out of order, or only nc", () => {
    const a = dataset("train: images/train\nval: images/val\nnames: [cat, dog]\n");
    expect(loadDatasetYaml(a.yamlPath).names).toEqual(["cat", "dog"]);
    const b = dataset("train: images/train\nval: images/val\nnames:\n  1: dog\n  0: cat\n");
    expect(loadDatasetYaml(b.yamlPath).names).toEqual(["cat", "dog"]);
    const c = dataset("train: images/train\nval: images/val\nnc: 2\n");
    expect(loadDatasetYaml(c.yamlPath).names).toEqual(["class_0", "class_1"]);
  });

  it("resolves against the yaml's folder when `path` is absent or relative", () => {
    const a = dataset("train: images/train\nval: images/val\nnames: [a]\n");
    expect(loadDatasetYaml(a.yamlPath).root).toBe(a.dir);
    const b = dataset("path: data\ntrain: images/train\nval: images/val\nnames: [a]\n", [
      "data/images/train",
      "data/images/val",
    ]);
    const cb = loadDatasetYaml(b.yamlPath, { cwd: "/" });
    expect(cb.root).toBe(join(b.dir, "data"));
    expect(cb.val).toEqual([join(b.dir, "data/images/val")]);
  });

  it("takes lists of folders and .txt lists, and Ultralytics' `../` retry", () => {
    const { dir, yamlPath } = dataset(
      "path: .\ntrain: [images/train, extra/list.txt]\nval: ../images/val\nnames: [a]\n",
      ["extra"],
    );
    writeFileSync(join(dir, "extra/list.txt"), "");
    const c = loadDatasetYaml(yamlPath);
    expect(c.train).toEqual([join(dir, "images/train"), join(dir, "extra/list.txt")]);
    expect(c.val).toEqual([join(dir, "images/val")]);
  });

  it("renames `validation` to `val` like Ultralytics", () => {
    const { dir, yamlPath } = dataset("train: images/train\nvalidation: images/val\nnames: [a]\n");
    expect(loadDatasetYaml(yamlPath).val).toEqual([join(dir, "images/val")]);
  });

  it("reports names/nc disagreement at the `names` key, with path and line", () => {
    const { yamlPath } = dataset(
      "train: images/train\nval: images/val\nnc: 3\nnames:\n  0: a\n  1: b\n",
    );
    const r = checkDatasetYaml(yamlPath);
    expect(r.config).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    const p = r.problems[0];
    expect(p).toMatchObject({ code: "PW7005", path: yamlPath, key: "names", line: 5 });
    expect(p.message).toMatch(/`names`.*2 classes.*`nc: 3`/);
    let err: unknown;
    try {
      loadDatasetYaml(yamlPath);
    } catch (e) {
      err = e;
    }
    expect(isPipeError(err)).toBe(true);
    if (isPipeError(err)) {
      expect(err.code).toBe("PW7005");
      expect(err.where()).toBe(`${yamlPath}:5:3`);
      expect(err.hint).toBeTruthy();
    }
  });

  it("reports a names map with a gap or non-numeric keys", () => {
    const { yamlPath } = dataset("train: images/train\nval: images/val\nnames:\n  0: a\n  2: c\n");
    const p = checkDatasetYaml(yamlPath).problems;
    expect(p.map((x) => x.code)).toEqual(["PW7006"]);
    expect(p[0].message).toMatch(/2-class dataset needs class indices 0-1, but has "2"/);
    const b = dataset("train: images/train\nval: images/val\nnames:\n  zero: a\n");
    expect(checkDatasetYaml(b.yamlPath).problems[0].code).toBe("PW7006");
  });

  it("collects every problem at once", () => {
    const { yamlPath } = dataset("train: nowhere\nnc: three\n");
    const codes = checkDatasetYaml(yamlPath).problems.map((p) => `${p.code}:${p.key ?? ""}`);
    expect(codes).toEqual(["PW7004:nc", "PW7007:train", "PW7003:"]);
    const missing = checkDatasetYaml(
      dataset("train: images/train\nval: images/val\n").yamlPath,
    ).problems;
    expect(missing.map((p) => p.code)).toEqual(["PW7003"]);
    expect(missing[0].message).toMatch(/`names` or `nc`/);
  });

  it("reports bad values and empty names", () => {
    const cases: [string, string, string][] = [
      ["train: 3\nval: images/val\nnames: [a]\n", "PW7004", "train"],
      ["train: images/train\nval: images/val\nnames: []\n", "PW7004", "names"],
      ["train: images/train\nval: images/val\nnames: scratch\n", "PW7004", "names"],
      ["train: images/train\nval: images/val\nnames: [a, [b]]\n", "PW7004", "names"],
      ["train: images/train\nval: images/val\nnc: 0\n", "PW7004", "nc"],
      ["path: [x]\ntrain: images/train\nval: images/val\nnames: [a]\n", "PW7004", "path"],
      [
        "path: /does/not/exist\ntrain: images/train\nval: images/val\nnames: [a]\n",
        "PW7007",
        "path",
      ],
    ];
    for (const [text, code, key] of cases) {
      const { yamlPath } = dataset(text);
      const p = checkDatasetYaml(yamlPath).problems;
      expect(p[0], text).toMatchObject({ code, key, path: yamlPath });
      expect(p[0].line, text).toBeGreaterThan(0);
    }
  });

  it("reports YAML syntax errors with a line, and non-mapping documents", () => {
    const { yamlPath } = dataset("train: images/train\nval: [images/val\nnames: [a]\n");
    const p = checkDatasetYaml(yamlPath).problems;
    expect(p[0].code).toBe("PW7002");
    expect(p[0].line).toBeGreaterThan(0);
    const list = dataset("- a\n- b\n");
    expect(checkDatasetYaml(list.yamlPath).problems[0]).toMatchObject({
      code: "PW7002",
      message: expect.stringMatching(/mapping/),
    });
  });

  it("reports a missing yaml file", () => {
    const p = checkDatasetYaml("/no/such/dataset.yaml").problems;
    expect(p).toEqual([
      {
        code: "PW7001",
        path: "/no/such/dataset.yaml",
        message: "cannot read dataset.yaml: file not found",
      },
    ]);
  });

  it("can skip the existence checks (compile time without data)", () => {
    const r = parseDatasetYaml("train: a\nval: b\nnames: [x]\n", "/virtual/dataset.yaml", {
      checkPaths: false,
    });
    expect(r.problems).toEqual([]);
    expect(r.config?.train).toEqual(["/virtual/a"]);
  });

  it("writes yaml that reads back", () => {
    const { dir } = dataset("x");
    const names = ["scratch", "a b", "0", "yes", "off", "1.5", "1e3", "null", "中文"];
    const text = formatDatasetYaml({ train: "images/train", val: ["images/val"], names });
    expect(text).toMatch(/ {2}0: scratch\n/);
    expect(text).toMatch(/ {2}3: "yes"\n/);
    writeFileSync(join(dir, "out.yaml"), text);
    const c = loadDatasetYaml(join(dir, "out.yaml"));
    expect(c.names).toEqual(names);
    expect(c.val).toEqual([join(dir, "images/val")]);
  });
});
