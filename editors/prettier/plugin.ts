/**
 * The Prettier plugin for `.pipe` files. It reuses the grammar's parser (and refuses to format
 * a file with syntax errors), attaches comments through Prettier's own algorithm, and prints a
 * canonical layout: declarations separated by a blank line, one entry per line inside blocks,
 * short maps/lists/calls on one line, at most one blank line kept between entries.
 */
import {
  doc,
  util,
  type AstPath,
  type Doc,
  type Parser,
  type Printer,
  type SupportLanguage,
} from "prettier";
import { parse } from "../../grammar/parse.js";
import type * as A from "../../grammar/ast.js";
import { renderDiagnostic } from "../../compiler/diagnostics/render.js";

const { group, indent, join, line, softline, hardline, ifBreak } = doc.builders;

type Node = A.AstNode | A.Comment;

export class PipeSyntaxError extends Error {
  constructor(
    message: string,
    readonly rendered: string,
  ) {
    super(message);
    this.name = "PipeSyntaxError";
  }
}

export const languages: SupportLanguage[] = [
  { name: "Pipe", parsers: ["pipe"], extensions: [".pipe"], vscodeLanguageIds: ["pipe"] },
];

const locStart = (node: Node) => node.span.start;
const locEnd = (node: Node) => node.span.end;

export const parsers: Record<string, Parser<Node>> = {
  pipe: {
    astFormat: "pipe-ast",
    locStart,
    locEnd,
    parse(text: string, options) {
      const file = (options as { filepath?: string }).filepath ?? "<input>";
      const { ast, diagnostics } = parse(text, file);
      const errors = diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) {
        const rendered = errors.map((d) => renderDiagnostic(d, () => text)).join("\n\n");
        throw new PipeSyntaxError(
          `cannot format a file with syntax errors (${errors.length})`,
          rendered,
        );
      }
      return ast as unknown as Node;
    },
  },
};

/** Children of each node, in source order, for Prettier's comment attachment. */
function getVisitorKeys(node: Node): string[] {
  switch (node.kind) {
    case "File":
      return ["items"];
    case "Pipeline":
      return ["name", "body"];
    case "Stage":
      return ["name", "source", "body"];
    case "Export":
      return ["target", "destination", "body"];
    case "Block":
      return ["entries"];
    case "Property":
      return ["key", "value"];
    case "SubBlock":
      return ["name", "body"];
    case "Requirement":
      return ["condition"];
    case "Rule":
      return ["outcome", "condition"];
    case "List":
      return ["items"];
    case "Map":
      return ["body"];
    case "Range":
      return ["from", "to"];
    case "Reference":
      return ["parts"];
    case "Call":
      return ["callee", "args", "body"];
    case "Argument":
      return ["name", "value"];
    case "Binary":
      return ["left", "right"];
    case "Not":
      return ["operand"];
    default:
      return [];
  }
}

/** Binding strength, for deciding where parentheses are needed (the AST has none). */
function precedence(e: A.Expression): number {
  switch (e.kind) {
    case "Binary":
      if (e.operator === "or") return 1;
      if (e.operator === "and") return 2;
      return 4;
    case "Not":
      return 3;
    case "Range":
      return 5;
    default:
      return 6;
  }
}

function printExpressionAt(
  path: AstPath<Node>,
  print: (p: AstPath<Node>) => Doc,
  key: string,
  minimum: number,
): Doc {
  const child = (path.node as unknown as Record<string, A.Expression>)[key];
  const printed = path.call(print, key as never);
  return precedence(child) < minimum ? ["(", printed, ")"] : printed;
}

function hasComments(node: Node | undefined): boolean {
  return Boolean(node && (node as { comments?: unknown[] }).comments?.length);
}

function printDangling(path: AstPath<Node>, options: { originalText: string }): Doc[] {
  const node = path.node as {
    comments?: (A.Comment & { leading?: boolean; trailing?: boolean; printed?: boolean })[];
  };
  const parts: Doc[] = [];
  if (!node.comments) return parts;
  path.each((commentPath) => {
    const comment = commentPath.node as unknown as A.Comment & {
      leading?: boolean;
      trailing?: boolean;
      printed?: boolean;
    };
    if (!comment.leading && !comment.trailing) {
      comment.printed = true;
      parts.push(comment.text.trimEnd());
    }
  }, "comments" as never);
  void options;
  void node;
  return parts;
}

function printBlock(
  path: AstPath<Node>,
  options: { originalText: string },
  print: (p: AstPath<Node>) => Doc,
  inline: boolean,
): Doc {
  const block = path.node as A.Block;
  const dangling = printDangling(path, options);
  if (block.entries.length === 0 && dangling.length === 0) return "{}";
  if (block.entries.length === 0)
    return ["{", indent([hardline, join(hardline, dangling)]), hardline, "}"];
  const entries: Doc[] = [];
  path.each((entryPath, index) => {
    const entry = entryPath.node as A.Entry;
    entries.push(print(entryPath));
    if (index < block.entries.length - 1) {
      if (inline) entries.push([",", line]);
      else
        entries.push(
          util.isNextLineEmpty(options.originalText, locEnd(entry))
            ? [hardline, hardline]
            : hardline,
        );
    }
  }, "entries" as never);
  const danglingDoc = dangling.length ? [hardline, join(hardline, dangling)] : [];
  const canInline =
    inline &&
    dangling.length === 0 &&
    block.entries.every(
      (e) =>
        e.kind === "Property" && isSimpleValue(e.value) && !hasComments(e) && !hasComments(e.value),
    );
  if (canInline) return group(["{", indent([line, ...entries]), line, "}"]);
  const separated = inline
    ? entries.map((d) => (Array.isArray(d) && d[0] === "," ? hardline : d))
    : entries;
  return ["{", indent([hardline, ...separated, ...danglingDoc]), hardline, "}"];
}

function isSimpleValue(e: A.Expression): boolean {
  switch (e.kind) {
    case "Number":
    case "Boolean":
    case "Reference":
      return true;
    case "String":
      return !e.multiline;
    case "Range":
      return isSimpleValue(e.from) && isSimpleValue(e.to);
    case "List":
      return e.items.every(isSimpleValue);
    case "Call":
      return !e.body && e.args.every((a) => isSimpleValue(a.value));
    default:
      return false;
  }
}

function print(
  path: AstPath<Node>,
  options: { originalText: string },
  printChild: (p: AstPath<Node>) => Doc,
): Doc {
  const node = path.node;
  const p = (key: string) => path.call(printChild, key as never);
  switch (node.kind) {
    case "File": {
      const parts: Doc[] = [];
      const items = node.items;
      path.each((itemPath, index) => {
        parts.push(printChild(itemPath));
        if (index < items.length - 1) parts.push(hardline, hardline);
      }, "items" as never);
      const dangling = printDangling(path, options);
      if (dangling.length) {
        if (parts.length) parts.push(hardline, hardline);
        parts.push(join(hardline, dangling));
      }
      return parts.length ? [...parts, hardline] : "";
    }
    case "Pipeline":
      return ["pipeline ", p("name"), " ", p("body")];
    case "Stage":
      return [
        node.stageKind,
        " ",
        p("name"),
        " = ",
        p("source"),
        node.body ? [" ", p("body")] : "",
      ];
    case "Export":
      return ["export ", p("target"), " to ", p("destination"), node.body ? [" ", p("body")] : ""];
    case "Block":
      return printBlock(path, options, printChild, isValueBlock(path));
    case "Property":
      return [p("key"), ": ", p("value")];
    case "SubBlock":
      return [p("name"), " ", p("body")];
    case "Requirement":
      return ["require ", p("condition")];
    case "Rule":
      return node.condition
        ? [p("outcome"), " when ", p("condition")]
        : [p("outcome"), " otherwise"];
    case "Identifier":
      return node.name;
    case "Number":
      return node.raw;
    case "String":
      return node.raw;
    case "Boolean":
      return node.value ? "true" : "false";
    case "List": {
      if (node.items.length === 0 && !hasComments(node)) return "[]";
      const items = path.map(printChild, "items" as never);
      return group([
        "[",
        indent([softline, join([",", line], items)]),
        ifBreak(","),
        softline,
        "]",
      ]);
    }
    case "Map":
      return p("body");
    case "Range":
      return [
        printExpressionAt(path, printChild, "from", 6),
        "..",
        printExpressionAt(path, printChild, "to", 6),
      ];
    case "Reference":
      return join(".", path.map(printChild, "parts" as never));
    case "Call": {
      const head: Doc[] = [p("callee")];
      if (node.parenthesized) {
        const args = path.map(printChild, "args" as never);
        head.push(
          args.length
            ? group(["(", indent([softline, join([",", line], args)]), softline, ")"])
            : "()",
        );
      }
      if (node.body) head.push(" ", p("body"));
      return head;
    }
    case "Argument":
      return node.name ? [p("name"), ": ", p("value")] : p("value");
    case "Binary": {
      const own = precedence(node);
      // Left-associative chains: the left operand may share our level, the right must bind tighter.
      const leftMin = own === 4 ? 5 : own;
      const rightMin = own === 4 ? 5 : own + 1;
      return group([
        printExpressionAt(path, printChild, "left", leftMin),
        " ",
        node.operator,
        own <= 2 ? line : " ",
        printExpressionAt(path, printChild, "right", rightMin),
      ]);
    }
    case "Not":
      return ["not ", printExpressionAt(path, printChild, "operand", 3)];
    case "Comment":
      return node.text;
    default:
      return "";
  }
}

/** A block in value position (`{ train: 90% }`, `adamw { lr: 1 }`) may be printed on one line. */
function isValueBlock(path: AstPath<Node>): boolean {
  const parent = path.parent as Node | null;
  if (!parent) return false;
  if (parent.kind === "Map") return true;
  if (parent.kind === "Call") {
    const grand = path.grandparent as Node | null;
    return grand?.kind !== "Stage";
  }
  return false;
}

export const printers: Record<string, Printer<Node>> = {
  "pipe-ast": {
    print: print as unknown as Printer<Node>["print"],
    getVisitorKeys: getVisitorKeys as Printer<Node>["getVisitorKeys"],
    canAttachComment: (node: Node) =>
      node.kind !== "Comment" && node.kind !== "Identifier" && node.kind !== "File",
    isBlockComment: (node: Node) => node.kind === "Comment" && node.block,
    printComment: (commentPath: AstPath<Node>) => {
      const comment = commentPath.node as A.Comment;
      return comment.text.trimEnd();
    },
  },
};

export const options = {};
export const defaultOptions = { printWidth: 100, tabWidth: 2, useTabs: false };

const plugin = { languages, parsers, printers, options, defaultOptions };
export default plugin;
