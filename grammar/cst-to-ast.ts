/**
 * Turns Chevrotain's CST into the typed AST. The CST may be partial where the parser recovered
 * from errors: missing children become `recovered` placeholder nodes, never exceptions.
 */
import type { CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { STAGE_KINDS } from "./ast.js";
import { decodeEscapes, decodeTripleQuoted } from "./strings.js";
import type { Diagnostic, Span } from "../compiler/diagnostics/diagnostic.js";

type Children = Record<string, (CstNode | IToken)[] | undefined>;

export class AstBuilder {
  /** End offset of the last real token seen: where recovered (inserted) nodes are anchored. */
  private anchor = 0;

  constructor(
    private readonly fileName: string,
    private readonly report: (d: Diagnostic) => void,
  ) {}

  private span(start: number, end: number): Span {
    return { file: this.fileName, start, end };
  }

  private tokenSpan(token: IToken): Span {
    if (token.isInsertedInRecovery || Number.isNaN(token.startOffset)) {
      return this.span(this.anchor, this.anchor);
    }
    this.anchor = token.endOffset! + 1;
    return this.span(token.startOffset, token.endOffset! + 1);
  }

  private nodeSpan(node: CstNode | undefined): Span {
    const loc = node?.location;
    if (
      !loc ||
      Number.isNaN(loc.startOffset) ||
      loc.endOffset === undefined ||
      Number.isNaN(loc.endOffset)
    ) {
      return this.span(this.anchor, this.anchor);
    }
    return this.span(loc.startOffset, loc.endOffset + 1);
  }

  private join(a: Span, b: Span): Span {
    return this.span(Math.min(a.start, b.start), Math.max(a.end, b.end));
  }

  private tokens(c: Children, name: string): IToken[] {
    return (c[name] as IToken[] | undefined) ?? [];
  }

  private nodes(c: Children, name: string): CstNode[] {
    return (c[name] as CstNode[] | undefined) ?? [];
  }

  private placeholderIdentifier(): A.Identifier {
    return {
      kind: "Identifier",
      name: "",
      span: this.span(this.anchor, this.anchor),
      recovered: true,
    };
  }

  private identifier(token: IToken | undefined): A.Identifier {
    if (!token || token.isInsertedInRecovery) return this.placeholderIdentifier();
    return { kind: "Identifier", name: token.image, span: this.tokenSpan(token) };
  }

  file(node: CstNode, comments: A.Comment[], textLength: number): A.PipeFile {
    const items: A.Item[] = [];
    for (const item of this.nodes(node.children, "item")) {
      const built = this.item(item);
      if (built) items.push(built);
    }
    return { kind: "File", items, comments, span: this.span(0, textLength) };
  }

  item(node: CstNode): A.Item | undefined {
    const c = node.children;
    const [pipeline] = this.nodes(c, "pipelineDecl");
    if (pipeline) return this.pipelineDecl(pipeline);
    const [stage] = this.nodes(c, "stageDecl");
    if (stage) return this.stageDecl(stage);
    const [exp] = this.nodes(c, "exportDecl");
    if (exp) return this.exportDecl(exp);
    return undefined;
  }

  pipelineDecl(node: CstNode): A.PipelineDecl {
    const c = node.children;
    this.tokenSpan(this.tokens(c, "Pipeline")[0]);
    const name = this.stringValue(this.nodes(c, "stringValue")[0]);
    const body = this.block(this.nodes(c, "block")[0]);
    return { kind: "Pipeline", name, body, span: this.nodeSpan(node), ...recoveredIf(node) };
  }

  stageDecl(node: CstNode): A.StageDecl {
    const c = node.children;
    const keyword = this.tokens(c, "StageKeyword")[0];
    const keywordSpan = this.tokenSpan(keyword);
    const stageKind = (STAGE_KINDS as readonly string[]).includes(keyword.image)
      ? (keyword.image as A.StageKind)
      : "dataset";
    const name = this.identifier(this.tokens(c, "Identifier")[0]);
    const sourceNode = this.nodes(c, "referenceOrCall")[0];
    let source: A.Reference | A.Call;
    let body: A.Block | undefined;
    if (sourceNode) {
      const { expression: built, headSpan } = this.referenceOrCallWithHead(sourceNode);
      if (built.kind === "Call" && built.body) {
        body = built.body;
        // `model tiny = llama { ... }`: the block is the stage body and the source a plain name;
        // `dataset d = alpaca("x") { ... }`: the source is the call without its block.
        const { body: _body, ...head } = built;
        source = built.parenthesized ? { ...head, span: headSpan } : built.callee;
      } else {
        source = built;
      }
    } else {
      source = {
        kind: "Reference",
        parts: [this.placeholderIdentifier()],
        span: this.span(this.anchor, this.anchor),
        recovered: true,
      };
    }
    return {
      kind: "Stage",
      stageKind,
      keywordSpan,
      name,
      source,
      body,
      span: this.nodeSpan(node),
      ...recoveredIf(node),
    };
  }

  exportDecl(node: CstNode): A.ExportDecl {
    const c = node.children;
    this.tokenSpan(this.tokens(c, "Export")[0]);
    const target = this.reference(this.nodes(c, "reference")[0]);
    const destination = this.stringValue(this.nodes(c, "stringValue")[0]);
    const [blockNode] = this.nodes(c, "block");
    const body = blockNode ? this.block(blockNode) : undefined;
    return {
      kind: "Export",
      target,
      destination,
      body,
      span: this.nodeSpan(node),
      ...recoveredIf(node),
    };
  }

  block(node: CstNode | undefined): A.Block {
    if (!node)
      return {
        kind: "Block",
        entries: [],
        span: this.span(this.anchor, this.anchor),
        recovered: true,
      };
    const entries: A.Entry[] = [];
    for (const entryNode of this.nodes(node.children, "entry")) {
      const entry = this.entry(entryNode);
      if (entry) entries.push(entry);
    }
    const closing = this.tokens(node.children, "RCurly")[0];
    const recovered = !closing || closing.isInsertedInRecovery || node.recoveredNode;
    return {
      kind: "Block",
      entries,
      span: this.nodeSpan(node),
      ...(recovered ? { recovered: true as const } : {}),
    };
  }

  entry(node: CstNode): A.Entry | undefined {
    const c = node.children;
    const span = this.nodeSpan(node);
    const recovered = recoveredIf(node);
    const [requireToken] = this.tokens(c, "Require");
    const expressions = this.nodes(c, "expression");
    if (requireToken) {
      this.tokenSpan(requireToken);
      return { kind: "Requirement", condition: this.expression(expressions[0]), span, ...recovered };
    }
    const [nameToken] = this.tokens(c, "Identifier");
    if (!nameToken) return undefined;
    const name = this.identifier(nameToken);
    if (this.tokens(c, "Colon")[0]) {
      return { kind: "Property", key: name, value: this.expression(expressions[0]), span, ...recovered };
    }
    const [blockNode] = this.nodes(c, "block");
    if (blockNode) return { kind: "SubBlock", name, body: this.block(blockNode), span, ...recovered };
    if (this.tokens(c, "When")[0]) {
      return { kind: "Rule", outcome: name, condition: this.expression(expressions[0]), span, ...recovered };
    }
    const [otherwise] = this.tokens(c, "Otherwise");
    if (otherwise) this.tokenSpan(otherwise);
    return { kind: "Rule", outcome: name, span, ...(otherwise ? recovered : { recovered: true as const }) };
  }

  private missingExpression(): A.Expression {
    return { kind: "Reference", parts: [this.placeholderIdentifier()], span: this.span(this.anchor, this.anchor), recovered: true };
  }

  /**
   * The parser reads `unary (op unary)*` flat; precedence is applied here (Pratt parsing over
   * the operands and operators, which the CST keeps in order): or < and < not < comparisons
   * and `in` < `..`. `not` is a prefix that binds looser than comparisons (`not a > b` is
   * `not (a > b)`).
   */
  expression(node: CstNode | undefined): A.Expression {
    if (!node) return this.missingExpression();
    const c = node.children;
    const operands = this.nodes(c, "unary").map((u) => ({
      nots: this.tokens(u.children, "Not").map((t) => this.tokenSpan(t)),
      value: this.primary(this.nodes(u.children, "primary")[0]),
    }));
    const operators = this.tokens(c, "BinaryOperator").map((t) => t.image);
    if (operands.length === 0) return this.missingExpression();
    let position = 0;
    const parseLevel = (minimum: number): A.Expression => {
      const operand = operands[position];
      let left: A.Expression;
      if (operand.nots.length > 0) {
        const notSpan = operand.nots.shift()!;
        const inner = parseLevel(NOT_PRECEDENCE);
        left = { kind: "Not", operand: inner, span: this.join(notSpan, inner.span) };
      } else {
        left = operand.value;
        position++;
      }
      while (position < operands.length && position - 1 < operators.length) {
        const op = operators[position - 1];
        const prec = binaryPrecedence(op);
        if (prec < minimum || op === undefined) break;
        const right = parseLevel(prec + 1);
        left =
          op === ".."
            ? { kind: "Range", from: left, to: right, span: this.join(left.span, right.span) }
            : { kind: "Binary", operator: op as A.BinaryOperator, left, right, span: this.join(left.span, right.span) };
      }
      return left;
    };
    const result = parseLevel(0);
    // Operands left over can only come from recovery; keep the first complete expression.
    return result;
  }

  private primary(node: CstNode | undefined): A.Expression {
    if (!node) return this.missingExpression();
    const c = node.children;
    const [num] = this.tokens(c, "NumberLiteral");
    if (num) return this.numberLiteral(num);
    const [str] = this.nodes(c, "stringValue");
    if (str) return this.stringValue(str);
    const [t] = this.tokens(c, "True");
    if (t) return { kind: "Boolean", value: true, span: this.tokenSpan(t) };
    const [f] = this.tokens(c, "False");
    if (f) return { kind: "Boolean", value: false, span: this.tokenSpan(f) };
    const [list] = this.nodes(c, "list");
    if (list) {
      const items = this.nodes(list.children, "expression").map((e) => this.expression(e));
      return { kind: "List", items, span: this.nodeSpan(list), ...recoveredIf(list) };
    }
    const [block] = this.nodes(c, "block");
    if (block) {
      const body = this.block(block);
      return { kind: "Map", body, span: body.span };
    }
    const [paren] = this.nodes(c, "expression");
    if (paren) return this.expression(paren);
    const [refOrCall] = this.nodes(c, "referenceOrCall");
    if (refOrCall) return this.referenceOrCall(refOrCall);
    return this.missingExpression();
  }

  private numberLiteral(token: IToken): A.NumberLiteral {
    const span = this.tokenSpan(token);
    const match = /^(-?[\d_]+(?:\.\d+)?(?:[eE][+-]?\d+)?)([A-Za-z]+|%)?$/.exec(token.image);
    const digits = match ? match[1].replace(/_/g, "") : token.image;
    const unit = match?.[2];
    return {
      kind: "Number",
      value: Number(digits),
      raw: token.image,
      span,
      ...(unit ? { unit } : {}),
    };
  }

  stringValue(node: CstNode | undefined): A.StringLiteral {
    if (!node) {
      return {
        kind: "String",
        value: "",
        raw: "",
        multiline: false,
        span: this.span(this.anchor, this.anchor),
        recovered: true,
      };
    }
    const c = node.children;
    const [triple] = this.tokens(c, "TripleString");
    if (triple) {
      return {
        kind: "String",
        value: decodeTripleQuoted(triple.image),
        raw: triple.image,
        multiline: true,
        span: this.tokenSpan(triple),
      };
    }
    const [plain] = this.tokens(c, "StringLiteral");
    const [unterminated] = this.tokens(c, "UnterminatedString");
    const token = plain ?? unterminated;
    if (!token || token.isInsertedInRecovery) {
      return {
        kind: "String",
        value: "",
        raw: "",
        multiline: false,
        span: this.span(this.anchor, this.anchor),
        recovered: true,
      };
    }
    const span = this.tokenSpan(token);
    const body = plain ? token.image.slice(1, -1) : token.image.slice(1);
    const { value, problems } = decodeEscapes(body, 1);
    for (const p of problems) {
      this.report({
        code: "PW1003",
        severity: "error",
        span: this.span(span.start + p.offset, span.start + p.offset + p.length),
        message: `unknown escape sequence \`${p.sequence}\``,
        hint: 'valid escapes: \\n \\t \\r \\0 \\" \\\\ \\u{hex}; use a """triple-quoted""" string for raw text',
      });
    }
    if (unterminated) {
      this.report({
        code: "PW1002",
        severity: "error",
        span,
        message: "unterminated string",
        hint: 'close it with `"` on the same line, or use """triple quotes""" for text over several lines',
      });
      return { kind: "String", value, raw: token.image, multiline: false, span, recovered: true };
    }
    return { kind: "String", value, raw: token.image, multiline: false, span };
  }

  reference(node: CstNode | undefined): A.Reference {
    if (!node) {
      return {
        kind: "Reference",
        parts: [this.placeholderIdentifier()],
        span: this.span(this.anchor, this.anchor),
        recovered: true,
      };
    }
    const ids = this.tokens(node.children, "Identifier");
    const parts = ids.map((t) => this.identifier(t));
    if (parts.length === 0) parts.push(this.placeholderIdentifier());
    const recovered = parts.some((p) => p.recovered);
    return {
      kind: "Reference",
      parts,
      span: this.nodeSpan(node),
      ...(recovered ? { recovered: true as const } : {}),
    };
  }

  referenceOrCall(node: CstNode): A.Reference | A.Call {
    return this.referenceOrCallWithHead(node).expression;
  }

  /** The expression, and the span of its head (everything before a trailing block). */
  private referenceOrCallWithHead(node: CstNode): {
    expression: A.Reference | A.Call;
    headSpan: Span;
  } {
    const c = node.children;
    const ids = this.tokens(c, "Identifier").map((t) => this.identifier(t));
    if (ids.length === 0) ids.push(this.placeholderIdentifier());
    const calleeRecovered = ids.some((p) => p.recovered);
    const callee: A.Reference = {
      kind: "Reference",
      parts: ids,
      span: this.join(ids[0].span, ids[ids.length - 1].span),
      ...(calleeRecovered ? { recovered: true as const } : {}),
    };
    const lparen = this.tokens(c, "LParen")[0];
    const [blockNode] = this.nodes(c, "block");
    if (!lparen && !blockNode) return { expression: callee, headSpan: callee.span };
    const args = this.nodes(c, "argument").map((a) => this.argument(a));
    const rparen = this.tokens(c, "RParen")[0];
    const headSpan =
      rparen && !rparen.isInsertedInRecovery
        ? this.join(callee.span, this.tokenSpan(rparen))
        : callee.span;
    const body = blockNode ? this.block(blockNode) : undefined;
    const recovered = lparen !== undefined && (!rparen || rparen.isInsertedInRecovery);
    const expression: A.Call = {
      kind: "Call",
      callee,
      args,
      parenthesized: lparen !== undefined,
      body,
      span: this.nodeSpan(node),
      ...(recovered ? { recovered: true as const } : {}),
    };
    return { expression, headSpan };
  }

  private argument(node: CstNode): A.Argument {
    const c = node.children;
    const [nameToken] = this.tokens(c, "Identifier");
    const name = nameToken ? this.identifier(nameToken) : undefined;
    const value = this.expression(this.nodes(c, "expression")[0]);
    return { kind: "Argument", ...(name ? { name } : {}), value, span: this.nodeSpan(node) };
  }
}

const NOT_PRECEDENCE = 3;

function binaryPrecedence(op: string | undefined): number {
  switch (op) {
    case "or":
      return 1;
    case "and":
      return 2;
    case "..":
      return 5;
    case undefined:
      return -1;
    default:
      return 4; // comparisons and `in`
  }
}

function recoveredIf(node: CstNode): { recovered?: true } {
  return node.recoveredNode ? { recovered: true } : {};
}
