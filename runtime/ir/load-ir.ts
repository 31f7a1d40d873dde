/**
 * The runtime's door for the execution graph: the IR is checked, not trusted. It is validated
 * against compiler/ir/schema.json — the same schema the compiler validated it with — and then
 * for what a schema cannot say: unique node ids, inputs that name earlier nodes and outputs
 * they declare, edges that agree with the inputs, `$input` slots that name a port, exports
 * that name export nodes. Any failure is a PipeError naming the place, never a stack trace.
 */
import { readFile } from "node:fs/promises";
import schema from "../../compiler/ir/schema.json" with { type: "json" };
import { PipeError } from "../../compiler/diagnostics/pipe-error.js";
import type { IrNode, PipelineIr } from "../../compiler/ir/schema.js";
import { compileIrValidator, runValidator } from "../../compiler/ir/validate.js";
import type { ValidateFunction } from "ajv";

/** The diagnostic code for IR the runtime refuses (`invalid-ir`). */
export const INVALID_IR_CODE = "PW8050";

/** IR versions this runtime can execute. */
export const SUPPORTED_IR_VERSIONS: readonly number[] = [1];

let validator: ValidateFunction | undefined;

function fail(message: string, source: string, hint?: string): never {
  throw new PipeError(INVALID_IR_CODE, message, { path: source }, hint);
}

/** Validates parsed IR; returns it typed, or throws a PipeError that says what is wrong. */
export function loadIr(value: unknown, source = "<ir>"): PipelineIr {
  const version = (value as { irVersion?: unknown } | null)?.irVersion;
  if (typeof version === "number" && !SUPPORTED_IR_VERSIONS.includes(version)) {
    fail(
      `IR version ${version} is not supported by this runtime (it runs version ${SUPPORTED_IR_VERSIONS.join(", ")})`,
      source,
      "compile the .pipe file again with this version of pipe",
    );
  }
  validator ??= compileIrValidator(schema as Record<string, unknown>);
  const result = runValidator(validator, value);
  if (!result.ok) {
    const shown = result.errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`);
    const more = result.errors.length > 5 ? ` (and ${result.errors.length - 5} more)` : "";
    fail(
      `the execution graph does not match the IR schema: ${shown.join("; ")}${more}`,
      source,
      "regenerate it with `pipe compile`; do not edit IR by hand",
    );
  }
  checkGraph(result.ir, source);
  return result.ir;
}

/** Reads and validates an IR file written by `pipe compile`. */
export async function readIrFile(path: string): Promise<PipelineIr> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(
      code === "ENOENT" ? "no such file" : `cannot read the file (${code ?? String(err)})`,
      path,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`not JSON: ${(err as Error).message}`, path);
  }
  return loadIr(value, path);
}

function checkGraph(ir: PipelineIr, source: string): void {
  const seen = new Map<string, IrNode>();
  const edgeKeys = new Set<string>();
  ir.nodes.forEach((node, index) => {
    const where = `/nodes/${index} (\`${node.id}\`)`;
    if (seen.has(node.id)) fail(`${where}: the node id is used twice`, source);
    const ports = new Set<string>();
    for (const input of node.inputs) {
      const producer = seen.get(input.node);
      if (!producer) {
        fail(
          `${where}: input \`${input.port}\` reads \`${input.node}\`, which is not an earlier node`,
          source,
          "nodes are listed in execution order; every input must come first",
        );
      }
      if (input.output !== undefined && !producer.outputs.includes(input.output)) {
        fail(`${where}: \`${input.node}\` has no output \`${input.output}\``, source);
      }
      if (ports.has(input.port)) fail(`${where}: port \`${input.port}\` is fed twice`, source);
      ports.add(input.port);
      edgeKeys.add(edgeKey(input.node, node.id, input.port, input.output));
    }
    for (const slot of inputSlots(node.settings)) {
      if (!ports.has(slot))
        fail(`${where}: a setting reads input \`${slot}\`, which the node does not have`, source);
    }
    seen.set(node.id, node);
  });
  const edges = new Set(ir.edges.map((e) => edgeKey(e.from, e.to, e.port, e.output)));
  if (edges.size !== edgeKeys.size || [...edges].some((k) => !edgeKeys.has(k))) {
    fail("the edges do not match the nodes' inputs", source);
  }
  for (const ex of ir.exports) {
    if (seen.get(ex.node)?.op !== "export")
      fail(`export of \`${ex.target}\` names \`${ex.node}\`, which is not an export node`, source);
  }
}

function edgeKey(from: string, to: string, port: string, output: string | undefined): string {
  return JSON.stringify([from, to, port, output ?? null]);
}

/** Every `{ $input: port }` inside a node's settings. */
function inputSlots(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) inputSlots(v, out);
  else if (value !== null && typeof value === "object") {
    const slot = (value as { $input?: unknown }).$input;
    if (typeof slot === "string") out.push(slot);
    else for (const v of Object.values(value)) inputSlots(v, out);
  }
  return out;
}
