/** The CLI's view of the terminal. Only cli/ knows about streams, colours and exit codes. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether to use ANSI colours on stderr/stdout. */
  color: boolean;
  /** Whether stderr is an interactive terminal (progress bars redraw in place). */
  interactive: boolean;
  cwd: string;
}

export function processIo(): CliIo {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
  const forceColor = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0";
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    color: !noColor && (forceColor || Boolean(process.stderr.isTTY)),
    interactive: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

/** Captures output (for tests and for embedding). */
export function memoryIo(options: Partial<CliIo> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    color: false,
    interactive: false,
    cwd: process.cwd(),
    ...options,
    out,
    err,
  };
}

export const EXIT_OK = 0;
/** Diagnostics with errors, a failed gate, a failed run. */
export const EXIT_DIAGNOSTICS = 1;
/** Bad usage, unreadable files. */
export const EXIT_USAGE = 2;
/** A bug in pipe itself. */
export const EXIT_INTERNAL = 70;
