/**
 * Progress display of `pipe run`: the bar's text (step/total, loss, rate, ETA), redrawn in
 * place on a terminal, plain lines now and then otherwise; warnings capped per node.
 */
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../cli/io.js";
import { fitLine, formatBar, formatDuration, formatSeconds } from "../../cli/progress/format.js";
import { RunReporter } from "../../cli/progress/run-reporter.js";

describe("progress text", () => {
  it("formats durations and seconds", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(75)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Number.NaN)).toBe("?");
    expect(formatSeconds(1.234)).toBe("1.23 s");
    expect(formatSeconds(42.25)).toBe("42.3 s");
    expect(formatSeconds(600)).toBe("10:00");
  });

  it("draws a bar with step/total, loss, values, rate and ETA", () => {
    const line = formatBar(
      {
        label: "run/train",
        step: 120,
        total: 600,
        loss: 2.34567,
        rate: 45.2,
        unit: "steps",
        eta: 12,
        values: { lr: 0.0002 },
      },
      10,
    );
    expect(line).toBe(
      "run/train  [##--------]  120/600  loss 2.346  lr 0.000200  45.2 steps/s  ETA 0:12",
    );
    expect(formatBar({ label: "raw/load-dataset", step: 4000, unit: "rows" })).toBe(
      "raw/load-dataset  4000 rows",
    );
    expect(
      formatBar({ label: "x", step: 10, total: 10, eta: 0, rate: 1234, unit: "tokens" }, 4),
    ).toBe("x  [####]  10/10  1234 tokens/s");
  });

  it("cuts lines to the terminal width", () => {
    expect(fitLine("abcdef", 10)).toBe("abcdef");
    expect(fitLine("abcdefghijkl", 8)).toBe("abcdef…");
  });
});

describe("the run reporter", () => {
  const progress = (step: number) => ({
    type: "progress" as const,
    node: "run/train",
    step,
    total: 100,
    loss: 1.5,
    unit: "steps",
  });

  it("redraws the bar in place on a terminal and clears it before other output", () => {
    const io = memoryIo({ interactive: true });
    const r = new RunReporter(io, { columns: 200 });
    r.handle(progress(1));
    r.handle(progress(2));
    r.handle({
      type: "node-done",
      node: "run/train",
      op: "train",
      seconds: 3.2,
      cached: false,
      notes: ["loss 0.5"],
    });
    expect(io.err.join("")).toBe(
      "\r\x1b[Krun/train  [--------------------------]  1/100  loss 1.500".replace(
        "--------------------------",
        "-".repeat(24),
      ) +
        "\r\x1b[Krun/train  [" +
        "-".repeat(24) +
        "]  2/100  loss 1.500\r\x1b[K",
    );
    expect(io.out.join("")).toBe("done   run/train 3.20 s\n       loss 0.5\n");
  });

  it("prints progress as occasional plain lines when not on a terminal", () => {
    const io = memoryIo({ interactive: false });
    let t = 0;
    const r = new RunReporter(io, { logEvery: 10, now: () => t });
    r.handle({
      type: "node-start",
      node: "run/train",
      op: "train",
      stage: "run",
      index: 0,
      total: 1,
    });
    for (let s = 1; s <= 100; s++) {
      t = s * 0.5; // 50 s in all: a line every 10 s (the last at 100/100)
      r.handle(progress(s));
    }
    const lines = io.err.join("").trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toContain("100/100");
    expect(io.err.join("")).not.toContain("\r");
  });

  it("shows at most N warnings per node and counts the rest", () => {
    const io = memoryIo();
    const r = new RunReporter(io, { maxWarningsPerNode: 2 });
    for (let k = 1; k <= 5; k++)
      r.handle({
        type: "warning",
        node: "d/load-dataset",
        code: "PW6010",
        at: `a.jsonl:${k}`,
        message: "invalid JSON",
      });
    r.handle({
      type: "node-done",
      node: "d/load-dataset",
      op: "load-dataset",
      seconds: 0.1,
      cached: false,
      notes: [],
    });
    const err = io.err.join("");
    expect(err).toContain(
      "warning[PW6010]: a.jsonl:1: invalid JSON\nwarning[PW6010]: a.jsonl:2: invalid JSON\n",
    );
    expect(err).not.toContain("a.jsonl:3");
    expect(err).toContain("… and 3 more warnings from d/load-dataset");
    expect(r.warnings).toHaveLength(5);
  });
});
