/**
 * Every `pipe` command, in help order. A command module only defines its options and a lazy
 * `run`; the work happens in a module it imports when run, so start-up stays fast.
 */
import type { PipeCommand } from "../command.js";
import { checkCommand } from "./check-command.js";
import { fmtCommand } from "./fmt-command.js";

export const COMMANDS: PipeCommand[] = [checkCommand, fmtCommand];
