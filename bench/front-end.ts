/**
 * Front-end speed: `pipe check` on a generated 10,000-line file and on every example, timed as
 * a user sees it — a fresh `node bin/pipe.js` process each run (start-up included), best and
 * median wall time, plus the process's CPU time (steadier when other work shares the cores).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable, type BenchSection } from "./section.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Timing {
  bestMs: number;
  medianMs: number;
  cpuMs: number;
}

const TIME = "/usr/bin/time";

/** Wall time of fresh processes; CPU (user+sys) from /usr/bin/time when the machine has it. */
function timeCheck(file: string, runs: number): Timing {
  const walls: number[] = [];
  let bestCpu = Infinity;
  const haveTime = spawnSync(TIME, ["-f", "%U", "true"]).status === 0;
  for (let i = 0; i < runs; i++) {
    const args = [join(root, "bin/pipe.js"), "check", file];
    const t0 = performance.now();
    const r = haveTime
      ? spawnSync(TIME, ["-f", "CPU_S %U %S", process.execPath, ...args], { encoding: "utf8" })
      : spawnSync(process.execPath, args, { encoding: "utf8" });
    walls.push(performance.now() - t0);
    const cpu = /CPU_S ([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
    if (cpu) bestCpu = Math.min(bestCpu, (Number(cpu[1]) + Number(cpu[2])) * 1000);
  }
  walls.sort((a, b) => a - b);
  return { bestMs: walls[0], medianMs: walls[Math.floor(walls.length / 2)], cpuMs: bestCpu };
}

function cpuText(t: Timing): string {
  return Number.isFinite(t.cpuMs) ? t.cpuMs.toFixed(0) : "n/a";
}

export const frontEndSection: BenchSection = {
  title: "Front end: pipe check",
  async run(ctx) {
    execFileSync(process.execPath, [join(root, "scripts/build.mjs")]);
    const dir = mkdtempSync(join(tmpdir(), "pipe-bench-"));
    const large = join(dir, "large.pipe");
    execFileSync(process.execPath, [join(root, "scripts/generate-large-pipe.mjs"), large, "10000"]);
    const runs = ctx.quick ? 2 : 7;
    const rows: (string | number)[][] = [];
    const json: Record<string, number> = {};
    const big = timeCheck(large, runs);
    rows.push([
      "10,000-line generated file",
      big.bestMs.toFixed(0),
      big.medianMs.toFixed(0),
      big.cpuMs.toFixed(0),
    ]);
    json.check_10k_lines_ms = Math.round(big.bestMs);
    json.check_10k_lines_median_ms = Math.round(big.medianMs);
    if (Number.isFinite(big.cpuMs)) json.check_10k_lines_cpu_ms = Math.round(big.cpuMs);
    const examples = readdirSync(join(root, "examples"))
      .filter((f) => f.endsWith(".pipe"))
      .sort();
    let worst = 0;
    for (const name of examples) {
      const t = timeCheck(join(root, "examples", name), runs);
      worst = Math.max(worst, t.bestMs);
      rows.push([
        `examples/${name}`,
        t.bestMs.toFixed(0),
        t.medianMs.toFixed(0),
        t.cpuMs.toFixed(0),
      ]);
    }
    json.check_examples_worst_ms = Math.round(worst);
    ctx.log(`pipe check 10k lines: best ${big.bestMs.toFixed(0)} ms`);
    return {
      markdown: [
        "Each run is a fresh `node bin/pipe.js check <file>` process (start-up included). Targets: < 1,000 ms for 10,000 lines, < 300 ms per example.",
        "",
        markdownTable(["file", "best ms", "median ms", "CPU ms (user+sys, best)"], rows),
      ].join("\n"),
      json,
    };
  },
};
