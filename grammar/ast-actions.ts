/**
 * The actions of the `.pipe` parser (`ast-parser.ts`): the state of one parse, the spans and the
 * AST nodes the grammar rules build, complete or (after a syntax error) partial.
 *
 * Spans follow Chevrotain's node locations: a node spans its first to its last real token
 * (tokens read by sub-rules included). Nodes without a real token, and placeholders for what is
 * missing, are anchored at the end of the last token that became part of a node (`anchor`).
 * Tokens carry start offsets only (see `tokens.ts`); a token ends at start + image length.
 */
import { EmbeddedActionsParser, type IToken } from "chevrotain";
import type * as A from "./ast.js";
import { STAGE_KINDS } from "./ast.js";
import { errorMessageProvider } from "./error-messages.js";
import { precedence, type Operand } from "./precedence.js";
import { decodeEscapes, decodeTripleQuoted } from "./strings.js";
import * as T from "./tokens.js";
import type { Diagnostic, Span } from "../compiler/diagnostics/diagnostic.js";

/** Which form of block entry the `entry` rule has read so far. */
export const EntryForm = {
  None: 0,
  Require: 1,
  Property: 2,
  SubBlock: 3,
  When: 4,
  Otherwise: 5,
} as const;
export type EntryFormCode = (typeof EntryForm)[keyof typeof EntryForm];

/** An argument list: `(`, the arguments, `)` (inserted or missing after an error). */
export interface CallParts {
  lparen: IToken;
  rparen: IToken | undefined;
  rparenSpan: Span | undefined;
  args: A.Argument[];
}

/** The instance methods Chevrotain swaps in while it records the grammar (gast_recorder). */
const RECORDING_METHODS: readonly string[] = [
  ...["", "1", "2", "3", "4", "5", "6", "7", "8", "9"].flatMap((i) =>
    [
      "CONSUME",
      "SUBRULE",
      "OPTION",
      "OR",
      "MANY",
      "MANY_SEP",
      "AT_LEAST_ONE",
      "AT_LEAST_ONE_SEP",
    ].map((dsl) => dsl + i),
  ),
  "consume",
  "subrule",
  "option",
  "or",
  "many",
  "atLeastOne",
  "ACTION",
  "BACKTRACK",
  "LA",
];

export abstract class AstActions extends EmbeddedActionsParser {
  protected fileName = "<input>";
  /** End offset of the last token that became part of a node: where placeholders go. */
  protected anchor = 0;
  /** Start offsets of the real tokens read so far, in order; a rule remembers its first index. */
  protected tokenStarts: number[] = [];
  protected tokenCount = 0;
  /** End offset (exclusive) of the last real token read. */
  protected lastTokenEnd = 0;
  /** Diagnostics about values (string escapes), reported after the chunk's syntax errors. */
  protected valueReports: Diagnostic[] = [];
  /** The rule whose partial result is in `failedValue` while its error propagates. */
  protected failedRule: string | undefined = undefined;
  protected failedValue: unknown = undefined;
  /** Side results of the last `unary` (spans of its `not`s) and `referenceOrCall` (head span). */
  protected lastNots: Span[] | undefined = undefined;
  protected lastHead: Span | undefined = undefined;

  // State of the rules being read that their shared closures (built once, see `ast-parser.ts`)
  // write, and that a failing rule's partial node is built from.
  /** What the `entry` rules being read have found so far, by nesting depth. */
  protected entryDepth = 0;
  protected entryForms: EntryFormCode[] = [];
  protected entryNames: (A.Identifier | undefined)[] = [];

  /** The operators and later operands of the `expression`s being read, by nesting depth. */
  protected expressionDepth = 0;
  protected expressionOperators: (string[] | undefined)[] = [];
  protected expressionOperands: (Operand[] | undefined)[] = [];
  /** The spans of the `not`s the current `unary` has read (its MANY keeps no per-call state). */
  protected readNots: Span[] | undefined = undefined;
  /** The expression inside the parentheses of the `primary` being read. */
  protected parenInner: A.Expression | undefined = undefined;
  /** The parts of the dotted name being read. */
  protected readParts: A.Identifier[] = [];
  /** What the innermost argument list that failed had read. */
  protected partialCall: CallParts | undefined = undefined;

  /** Every rule's config: on re-sync, Chevrotain returns the rule's partial result. */
  protected readonly recovery = {
    recoveryValueFunc: (): never => {
      const value = this.failedValue;
      this.failedRule = undefined;
      this.failedValue = undefined;
      return value as never;
    },
  };

  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      errorMessageProvider,
      skipValidations: !T.VALIDATE_GRAMMAR,
      maxLookahead: 3,
    });
  }

  /**
   * Ends Chevrotain's grammar-recording phase. Chevrotain's own version `delete`s the ~90
   * recording methods it put on the instance, one by one; on this parser that took ~8 ms of every
   * start-up. Shadowing each with the prototype's (parsing) method is the same behaviour — every
   * later call reaches the method the deletion would have exposed — at the cost of assignments.
   */
  disableRecording(): void {
    this.RECORDING_PHASE = false;
    const self = this as unknown as Record<string, unknown>;
    const proto = Object.getPrototypeOf(this) as Record<string, unknown>;
    for (const name of RECORDING_METHODS) self[name] = proto[name];
  }

  /** Starts a new file of `tokenCount` tokens: spans name `fileName`; placeholders anchor at 0. */
  begin(fileName: string, tokenCount: number): void {
    this.fileName = fileName;
    this.anchor = 0;
    this.tokenStarts = new Array<number>(tokenCount + 1).fill(0);
    this.tokenCount = 0;
    this.lastTokenEnd = 0;
    this.valueReports = [];
    this.failedRule = undefined;
    this.failedValue = undefined;
    this.lastNots = undefined;
    this.lastHead = undefined;
    this.entryDepth = 0;
    this.entryForms = [];
    this.entryNames = [];
    this.expressionDepth = 0;
    this.expressionOperators = [];
    this.expressionOperands = [];
    this.readNots = undefined;
    this.parenInner = undefined;
    this.readParts = [];
    this.partialCall = undefined;
  }

  /** The value diagnostics found since the last call. */
  takeValueReports(): Diagnostic[] {
    const reports = this.valueReports;
    this.valueReports = [];
    return reports;
  }

  // ---- recovery plumbing ---------------------------------------------------------------------

  /** Leaves the partial result of a failing rule for Chevrotain's re-sync or the caller. */
  protected fail(rule: string, value: unknown): void {
    this.failedRule = rule;
    this.failedValue = value;
  }

  /** The sub-rule whose error reached the current rule (its result is in `failedValue`). */
  protected takeFailed(): string | undefined {
    const rule = this.failedRule;
    this.failedRule = undefined;
    return rule;
  }

  // ---- tokens and spans ----------------------------------------------------------------------

  /** Records a consumed token for node locations (inserted tokens have none). */
  protected take(token: IToken): IToken {
    const start = token.startOffset;
    if (start === start) {
      this.tokenStarts[this.tokenCount++] = start;
      this.lastTokenEnd = start + token.image.length;
    }
    return token;
  }

  protected span(start: number, end: number): Span {
    return { file: this.fileName, start, end };
  }

  protected here(): Span {
    return { file: this.fileName, start: this.anchor, end: this.anchor };
  }

  /** The span of a token; real tokens move the anchor. (Tokens carry no end offset.) */
  protected tokenSpan(token: IToken): Span {
    const start = token.startOffset;
    if (token.isInsertedInRecovery || Number.isNaN(start)) return this.here();
    const end = start + token.image.length;
    this.anchor = end;
    return this.span(start, end);
  }

  /** From the first to the last real token read since `mark`; else at the anchor. */
  protected nodeSpan(mark: number, anchor = this.anchor): Span {
    if (this.tokenCount > mark) return this.span(this.tokenStarts[mark], this.lastTokenEnd);
    return this.span(anchor, anchor);
  }

  protected join(a: Span, b: Span): Span {
    return this.span(Math.min(a.start, b.start), Math.max(a.end, b.end));
  }

  // ---- nodes ---------------------------------------------------------------------------------

  protected placeholderIdentifier(): A.Identifier {
    return { kind: "Identifier", name: "", span: this.here(), recovered: true };
  }

  protected identifier(token: IToken): A.Identifier {
    if (token.isInsertedInRecovery) return this.placeholderIdentifier();
    return { kind: "Identifier", name: token.image, span: this.tokenSpan(token) };
  }

  protected missingExpression(): A.Reference {
    return {
      kind: "Reference",
      parts: [this.placeholderIdentifier()],
      span: this.here(),
      recovered: true,
    };
  }

  protected missingString(): A.StringLiteral {
    return {
      kind: "String",
      value: "",
      raw: "",
      multiline: false,
      span: this.here(),
      recovered: true,
    };
  }

  protected missingBlock(): A.Block {
    return { kind: "Block", entries: [], span: this.here(), recovered: true };
  }

  protected pipelineNode(
    mark: number,
    name: A.StringLiteral | undefined,
    body: A.Block | undefined,
    recovered: boolean,
  ): A.PipelineDecl {
    const node: A.PipelineDecl = {
      kind: "Pipeline",
      name: name ?? this.missingString(),
      body: body ?? this.missingBlock(),
      span: this.nodeSpan(mark),
    };
    if (recovered) node.recovered = true;
    return node;
  }

  protected stageNode(
    mark: number,
    keyword: IToken | undefined,
    keywordSpan: Span | undefined,
    name: A.Identifier | undefined,
    built: A.Reference | A.Call | undefined,
    head: Span | undefined,
    recovered: boolean,
  ): A.StageDecl {
    const image = keyword?.image ?? "";
    const stageKind = (STAGE_KINDS as readonly string[]).includes(image)
      ? (image as A.StageKind)
      : "dataset";
    name ??= this.placeholderIdentifier();
    let source: A.Reference | A.Call;
    let body: A.Block | undefined;
    if (built === undefined) {
      source = {
        kind: "Reference",
        parts: [this.placeholderIdentifier()],
        span: this.here(),
        recovered: true,
      };
    } else if (built.kind === "Call" && built.body) {
      body = built.body;
      // `model tiny = llama { ... }`: the block is the stage body and the source a plain name;
      // `dataset d = alpaca("x") { ... }`: the source is the call without its block.
      const { body: _body, ...callHead } = built;
      source = built.parenthesized ? { ...callHead, span: head! } : built.callee;
    } else {
      source = built;
    }
    const node: A.StageDecl = {
      kind: "Stage",
      stageKind,
      keywordSpan: keywordSpan!,
      name,
      source,
      body,
      span: this.nodeSpan(mark),
    };
    if (recovered) node.recovered = true;
    return node;
  }

  protected exportNode(
    mark: number,
    target: A.Reference | undefined,
    destination: A.StringLiteral | undefined,
    body: A.Block | undefined,
    recovered: boolean,
  ): A.ExportDecl {
    const node: A.ExportDecl = {
      kind: "Export",
      target: target ?? this.missingReference(),
      destination: destination ?? this.missingString(),
      body,
      span: this.nodeSpan(mark),
    };
    if (recovered) node.recovered = true;
    return node;
  }

  protected missingReference(): A.Reference {
    return {
      kind: "Reference",
      parts: [this.placeholderIdentifier()],
      span: this.here(),
      recovered: true,
    };
  }

  protected blockNode(
    mark: number,
    entries: A.Entry[],
    closing: IToken | undefined,
    recovered: boolean,
  ): A.Block {
    const node: A.Block = { kind: "Block", entries, span: this.nodeSpan(mark) };
    if (recovered || !closing || closing.isInsertedInRecovery) node.recovered = true;
    return node;
  }

  protected entryNode(
    mark: number,
    anchor: number,
    form: EntryFormCode,
    name: A.Identifier | undefined,
    value: A.Expression | undefined,
    body: A.Block | undefined,
    recovered: boolean,
  ): A.Entry | undefined {
    const span = this.nodeSpan(mark, anchor);
    let node: A.Entry;
    switch (form) {
      case EntryForm.Require:
        node = { kind: "Requirement", condition: value ?? this.missingExpression(), span };
        break;
      case EntryForm.Property:
        node = { kind: "Property", key: name!, value: value ?? this.missingExpression(), span };
        break;
      case EntryForm.SubBlock:
        node = { kind: "SubBlock", name: name!, body: body ?? this.missingBlock(), span };
        break;
      case EntryForm.When:
        node = { kind: "Rule", outcome: name!, condition: value ?? this.missingExpression(), span };
        break;
      case EntryForm.Otherwise:
        node = { kind: "Rule", outcome: name!, span };
        break;
      default:
        if (name === undefined) return undefined;
        // The name was read, then nothing that can follow it.
        return { kind: "Rule", outcome: name, span, recovered: true };
    }
    if (recovered) node.recovered = true;
    return node;
  }

  protected expressionNode(
    first: A.Expression | undefined,
    firstNots: Span[] | undefined,
    rest: Operand[] | undefined,
    operators: string[] | undefined,
  ): A.Expression {
    if (first === undefined) return this.missingExpression();
    if (firstNots === undefined && rest === undefined) return first;
    if (this.RECORDING_PHASE) return first;
    const operands: Operand[] = [{ nots: firstNots, value: first }];
    if (rest !== undefined) operands.push(...rest);
    return precedence(operands, operators ?? [], (a, b) => this.join(a, b));
  }

  protected numberLiteral(token: IToken): A.NumberLiteral {
    const span = this.tokenSpan(token);
    const match = NUMBER.exec(token.image);
    const digits = match ? match[1].replace(/_/g, "") : token.image;
    const unit = match?.[2];
    const node: A.NumberLiteral = { kind: "Number", value: Number(digits), raw: token.image, span };
    if (unit) node.unit = unit;
    return node;
  }

  protected booleanLiteral(token: IToken, value: boolean): A.BooleanLiteral {
    return { kind: "Boolean", value, span: this.tokenSpan(token) };
  }

  protected mapNode(body: A.Block): A.MapExpression {
    return { kind: "Map", body, span: body.span };
  }

  protected stringNode(token: IToken): A.StringLiteral {
    if (token.tokenType === T.TripleString) {
      return {
        kind: "String",
        value: decodeTripleQuoted(token.image),
        raw: token.image,
        multiline: true,
        span: this.tokenSpan(token),
      };
    }
    if (token.isInsertedInRecovery) return this.missingString();
    const unterminated = token.tokenType === T.UnterminatedString;
    const span = this.tokenSpan(token);
    const body = unterminated ? token.image.slice(1) : token.image.slice(1, -1);
    const { value, problems } = decodeEscapes(body, 1);
    for (const p of problems) {
      this.valueReports.push({
        code: "PW1003",
        severity: "error",
        span: this.span(span.start + p.offset, span.start + p.offset + p.length),
        message: `unknown escape sequence \`${p.sequence}\``,
        hint: 'valid escapes: \\n \\t \\r \\0 \\" \\\\ \\u{hex}; use a """triple-quoted""" string for raw text',
      });
    }
    if (unterminated) {
      this.valueReports.push({
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

  protected listNode(mark: number, items: A.Expression[], recovered: boolean): A.ListExpression {
    const node: A.ListExpression = { kind: "List", items, span: this.nodeSpan(mark) };
    if (recovered) node.recovered = true;
    return node;
  }

  protected referenceNode(mark: number, parts: A.Identifier[]): A.Reference {
    if (parts.length === 0) parts.push(this.placeholderIdentifier());
    const node: A.Reference = { kind: "Reference", parts, span: this.nodeSpan(mark) };
    if (parts.some((p) => p.recovered)) node.recovered = true;
    return node;
  }

  protected referenceOrCallNode(
    mark: number,
    ids: A.Identifier[],
    call: CallParts | undefined,
    body: A.Block | undefined,
  ): A.Reference | A.Call {
    if (ids.length === 0) ids.push(this.placeholderIdentifier());
    const callee: A.Reference = {
      kind: "Reference",
      parts: ids,
      span: ids.length === 1 ? ids[0].span : this.join(ids[0].span, ids[ids.length - 1].span),
    };
    for (const part of ids) if (part.recovered) callee.recovered = true;
    if (call === undefined && body === undefined) {
      this.lastHead = callee.span;
      return callee;
    }
    if (this.RECORDING_PHASE) return callee;
    this.lastHead = call?.rparenSpan ? this.join(callee.span, call.rparenSpan) : callee.span;
    const node: A.Call = {
      kind: "Call",
      callee,
      args: call?.args ?? [],
      parenthesized: call !== undefined,
      body,
      span: this.nodeSpan(mark),
    };
    if (call !== undefined && (!call.rparen || call.rparen.isInsertedInRecovery))
      node.recovered = true;
    return node;
  }

  protected argumentNode(
    mark: number,
    name: A.Identifier | undefined,
    value: A.Expression | undefined,
  ): A.Argument {
    value ??= this.missingExpression();
    const span = this.nodeSpan(mark);
    return name ? { kind: "Argument", name, value, span } : { kind: "Argument", value, span };
  }

  // ---- results ------------------------------------------------------------------------------
  // Node building sits in methods with few parameters, not in the rules: deeply nested input
  // recurses through the rules, and smaller rule frames let it nest deeper.

  protected entryRead(
    mark: number,
    anchor: number,
    depth: number,
    result: A.Expression | A.Block | undefined,
  ): A.Entry | undefined {
    const form = this.entryForms[depth] as EntryFormCode; // (set by the alternatives)
    const name = this.entryNames[depth];
    if (form === EntryForm.SubBlock)
      return this.entryNode(mark, anchor, form, name, undefined, result as A.Block, false);
    const value = result as A.Expression | undefined;
    return this.entryNode(mark, anchor, form, name, value, undefined, false);
  }

  protected expressionRead(
    depth: number,
    first: A.Expression,
    firstNots: Span[] | undefined,
  ): A.Expression {
    const operands = this.expressionOperands[depth];
    return this.expressionNode(first, firstNots, operands, this.expressionOperators[depth]);
  }

  // ---- partial results ---------------------------------------------------------------------
  // A failing rule's `catch` calls one of these: each builds the partial node, leaves it with
  // `fail()` and returns the error to rethrow.

  protected blockFailed(e: unknown, mark: number, entries: A.Entry[]): unknown {
    if (this.takeFailed() === "entry" && this.failedValue !== undefined) {
      entries.push(this.failedValue as A.Entry);
    }
    this.fail("block", this.blockNode(mark, entries, undefined, true));
    return e;
  }

  protected entryFailed(e: unknown, mark: number, anchor: number, depth: number): unknown {
    this.entryDepth = depth;
    const failed = this.takeFailed();
    let value: A.Expression | undefined;
    let body: A.Block | undefined;
    if (failed === "expression") value = this.failedValue as A.Expression;
    else if (failed === "block") body = this.failedValue as A.Block;
    const form = this.entryForms[depth];
    const node = this.entryNode(mark, anchor, form, this.entryNames[depth], value, body, true);
    this.fail("entry", node);
    return e;
  }

  protected expressionFailed(
    e: unknown,
    depth: number,
    first: A.Expression | undefined,
    firstNots: Span[] | undefined,
  ): unknown {
    this.expressionDepth = depth;
    if (this.takeFailed() === "unary") {
      const operand = { nots: this.lastNots, value: this.failedValue as A.Expression };
      if (first === undefined) {
        first = operand.value;
        firstNots = operand.nots;
      } else (this.expressionOperands[depth] ??= []).push(operand);
    }
    const operands = this.expressionOperands[depth];
    const node = this.expressionNode(first, firstNots, operands, this.expressionOperators[depth]);
    this.fail("expression", node);
    return e;
  }

  /** `nots` is null when the error came while reading the `not`s. */
  protected unaryFailed(e: unknown, nots: Span[] | undefined | null): unknown {
    let value: A.Expression | undefined;
    if (this.takeFailed() === "primary") value = this.failedValue as A.Expression;
    this.lastNots = nots === null ? this.readNots : nots;
    this.fail("unary", value ?? this.missingExpression());
    return e;
  }

  protected primaryFailed(e: unknown): unknown {
    const failed = this.takeFailed();
    let value: A.Expression | undefined = this.parenInner;
    if (failed === "block") value = this.mapNode(this.failedValue as A.Block);
    else if (failed !== undefined) value = this.failedValue as A.Expression;
    this.fail("primary", value ?? this.missingExpression());
    return e;
  }

  protected listFailed(e: unknown, mark: number, items: A.Expression[]): unknown {
    if (this.takeFailed() === "expression") items.push(this.failedValue as A.Expression);
    this.fail("list", this.listNode(mark, items, true));
    return e;
  }

  protected referenceOrCallFailed(
    e: unknown,
    mark: number,
    ids: A.Identifier[],
    call: CallParts | undefined,
  ): unknown {
    let body: A.Block | undefined;
    const failed = this.takeFailed();
    if (failed === "argument") call!.args.push(this.failedValue as A.Argument);
    else if (failed === "block") body = this.failedValue as A.Block;
    this.fail("referenceOrCall", this.referenceOrCallNode(mark, ids, call, body));
    return e;
  }

  protected argumentFailed(e: unknown, mark: number, name: A.Identifier | undefined): unknown {
    let value: A.Expression | undefined;
    if (this.takeFailed() === "expression") value = this.failedValue as A.Expression;
    this.fail("argument", this.argumentNode(mark, name, value));
    return e;
  }
}

const NUMBER = /^(-?[\d_]+(?:\.\d+)?(?:[eE][+-]?\d+)?)([A-Za-z]+|%)?$/;
