/**
 * Every `pipe` command, in help order. A command module only defines its options and a lazy
 * `run`; the work happens in a module it imports when run, so start-up stays fast.
 */
import type { PipeCommand } from "../command.js";
import { checkCommand } from "./check-command.js";
import { fmtCommand } from "./fmt-command.js";
import { compileCommand } from "./compile-command.js";
import { graphCommand } from "./graph-command.js";
import { explainCommand } from "./explain-command.js";
import { estimateCommand } from "./estimate-command.js";
import { detectCommand } from "./detect-command.js";
import { inspectCommand } from "./inspect-command.js";
import { convertCommand } from "./convert-command.js";
import { runCommand } from "./run-command.js";
import { evalCommand } from "./eval-command.js";
import { generateCommand } from "./generate-command.js";

export const COMMANDS: PipeCommand[] = [
  checkCommand,
  fmtCommand,
  compileCommand,
  graphCommand,
  explainCommand,
  estimateCommand,
  detectCommand,
  inspectCommand,
  convertCommand,
  runCommand,
  evalCommand,
  generateCommand,
];
