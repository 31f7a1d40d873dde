/**
 * Shows a run's events on the terminal. On a TTY the current node's progress bar is redrawn in
 * place on stderr; otherwise progress becomes a plain log line now and then. Node results,
 * reports and the summary go to stdout; warnings and progress to stderr. Warnings are shown up
 * to a limit per node; the rest are counted (every one is in the JSON summary and the reports).
 */
import { isAbsolute, relative } from "node:path";
import type { RunEvent } from "../../runtime/executor/types.js";
import type { CliIo } from "../io.js";
import { fitLine, formatBar, formatSeconds } from "./format.js";

export interface ReporterOptions {
  /** Warnings printed per node before they are only counted. */
  maxWarningsPerNode?: number;
  /** Seconds between plain progress lines when not on a TTY. */
  logEvery?: number;
  columns?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** A path relative to the working directory when it is inside it. */
export function shortPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

const paint = (on: boolean, code: string, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

export class RunReporter {
  private barShown = false;
  private readonly warningsByNode = new Map<string, number>();
  private readonly lastLog = new Map<string, number>();
  private readonly maxWarnings: number;
  private readonly logEvery: number;
  private readonly columns: number;
  private readonly now: () => number;
  /** Every warning, for the JSON summary. */
  readonly warnings: Extract<RunEvent, { type: "warning" }>[] = [];

  constructor(
    private readonly io: CliIo,
    options: ReporterOptions = {},
  ) {
    this.maxWarnings = options.maxWarningsPerNode ?? 50;
    this.logEvery = options.logEvery ?? 10;
    this.columns = options.columns ?? process.stderr.columns ?? 100;
    this.now = options.now ?? (() => performance.now() / 1000);
  }

  private clearBar(): void {
    if (this.barShown) {
      this.io.stderr("\r\x1b[K");
      this.barShown = false;
    }
  }

  /** The JSON format collects events silently. */
  handle(event: RunEvent, quiet = false): void {
    if (event.type === "warning") this.warnings.push(event);
    if (quiet) return;
    const c = this.io.color;
    switch (event.type) {
      case "run-start":
        this.io.stdout(
          `${event.dryRun ? "dry run of" : "running"} \`${event.pipeline}\`: ${event.nodes} node${event.nodes === 1 ? "" : "s"}, output in ${shortPath(this.io.cwd, event.output)}\n`,
        );
        return;
      case "node-start":
        this.lastLog.set(event.node, this.now());
        return;
      case "node-done": {
        this.clearBar();
        const mark = event.cached ? paint(c, "36", "cached") : paint(c, "32", "done  ");
        const time = event.cached ? "" : ` ${formatSeconds(event.seconds)}`;
        this.io.stdout(`${mark} ${event.node}${time}\n`);
        for (const n of event.notes) this.io.stdout(`       ${n}\n`);
        const extra = (this.warningsByNode.get(event.node) ?? 0) - this.maxWarnings;
        if (extra > 0)
          this.io.stderr(
            `  … and ${extra} more warning${extra === 1 ? "" : "s"} from ${event.node} (all of them: --format json)\n`,
          );
        return;
      }
      case "progress": {
        const line = formatBar({ ...event, label: event.node });
        if (this.io.interactive) {
          this.io.stderr(`\r\x1b[K${fitLine(line, this.columns)}`);
          this.barShown = true;
          return;
        }
        const t = this.now();
        const last = this.lastLog.get(event.node) ?? 0;
        const finished = event.total !== undefined && event.step >= event.total;
        if (t - last >= this.logEvery || finished) {
          this.lastLog.set(event.node, t);
          this.io.stderr(`${line}\n`);
        }
        return;
      }
      case "log":
        this.clearBar();
        this.io.stderr(`${event.node ? `${event.node}: ` : ""}${event.message}\n`);
        return;
      case "warning": {
        const key = event.node ?? "";
        const n = (this.warningsByNode.get(key) ?? 0) + 1;
        this.warningsByNode.set(key, n);
        if (n > this.maxWarnings) return;
        this.clearBar();
        const head = paint(c, "33", `warning${event.code ? `[${event.code}]` : ""}`);
        this.io.stderr(`${head}: ${event.at ? `${event.at}: ` : ""}${event.message}\n`);
        return;
      }
      case "report":
        this.clearBar();
        this.io.stdout(`\n${event.title}\n${event.text}\n\n`);
        return;
    }
  }

  finish(): void {
    this.clearBar();
  }
}
