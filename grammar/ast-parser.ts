/**
 * The `.pipe` grammar as a Chevrotain EmbeddedActionsParser that builds the typed AST while it
 * parses (no CST, no second pass). One instance is built per process (building runs
 * `performSelfAnalysis`, which is the expensive part); `parse.ts` reuses it.
 *
 *   file        := item*
 *   item        := pipelineDecl | stageDecl | exportDecl
 *   pipelineDecl:= "pipeline" STRING block
 *   stageDecl   := STAGE_KEYWORD IDENT "=" source block?
 *   exportDecl  := "export" reference "to" STRING block?
 *   block       := "{" (entry (","|";")?)* "}"
 *   entry       := "require" expression
 *                | IDENT (":" expression | block | "when" expression | "otherwise")
 *   expression  := unary (BINARY_OP unary)*     (precedence applied by `precedence()`:
 *                  or < and < not < comparisons, in < ..)
 *   unary       := "not"* primary
 *   primary     := NUMBER | STRING | TRIPLE_STRING | true | false | list | block (a map)
 *                | "(" expression ")" | referenceOrCall
 *   referenceOrCall := IDENT ("." IDENT)* ("(" args? ")")? block?
 *   list        := "[" (expression ("," expression)* ","?)? "]"
 *   args        := arg ("," arg)* ","?        arg := (IDENT ":")? expression
 *
 * Node building (spans, placeholders, partial nodes) lives in `ast-actions.ts`.
 *
 * Recovery: Chevrotain's in-rule recovery hands the actions inserted tokens (no offsets), which
 * become `recovered` placeholders. When a rule fails, its `catch` builds the node from what was
 * read so far (marked `recovered`; what is missing becomes a placeholder) and leaves it in
 * `failedValue`: Chevrotain either re-syncs and returns it through `recoveryValueFunc`, or the
 * error propagates and the calling rule's `catch` takes it as the result of the sub-rule that
 * failed (`takeFailed()` names that sub-rule). So a syntax error loses nothing that was read.
 *
 * Chevrotain runs every rule once with fake tokens and values while it records the grammar
 * (`RECORDING_PHASE`); the actions dereference sub-rule results only where that is guarded.
 *
 * Speed: the hot rules' alternatives and repetitions are closures built once, not on every call
 * (building them was a measurable part of a large file's parse); the state such a closure
 * writes lives in fields, indexed by nesting depth where the closure reads sub-rules that can
 * nest (`entry`, `expression`).
 */
import type { IToken } from "chevrotain";
import { AstActions, EntryForm, type CallParts } from "./ast-actions.js";
import type * as A from "./ast.js";
import * as T from "./tokens.js";
import type { Span } from "../compiler/diagnostics/diagnostic.js";

export class AstParser extends AstActions {
  constructor() {
    super();
    this.performSelfAnalysis();
  }

  // ---- grammar -------------------------------------------------------------------------------

  file = this.RULE(
    "file",
    (): A.Item[] => {
      const items: A.Item[] = [];
      try {
        this.MANY(() => {
          const item = this.SUBRULE(this.item);
          if (item !== undefined) items.push(item);
        });
      } catch (e) {
        if (this.failedRule === "item" && this.failedValue !== undefined)
          items.push(this.failedValue as A.Item);
        this.fail("file", items);
        throw e;
      }
      return items;
    },
    this.recovery,
  );

  private readonly itemAlternatives = [
    { ALT: () => this.SUBRULE(this.pipelineDecl) },
    { ALT: () => this.SUBRULE(this.stageDecl) },
    { ALT: () => this.SUBRULE(this.exportDecl) },
  ];

  item = this.RULE(
    "item",
    (): A.Item | undefined => {
      try {
        return this.OR(this.itemAlternatives);
      } catch (e) {
        this.fail("item", this.failedRule === undefined ? undefined : this.failedValue);
        throw e;
      }
    },
    this.recovery,
  );

  pipelineDecl = this.RULE(
    "pipelineDecl",
    (): A.PipelineDecl => {
      const mark = this.tokenCount;
      let name: A.StringLiteral | undefined;
      let body: A.Block | undefined;
      try {
        this.tokenSpan(this.take(this.CONSUME(T.Pipeline)));
        name = this.SUBRULE(this.stringValue);
        body = this.SUBRULE(this.block);
      } catch (e) {
        const failed = this.takeFailed();
        if (failed === "stringValue") name = this.failedValue as A.StringLiteral;
        else if (failed === "block") body = this.failedValue as A.Block;
        this.fail("pipelineDecl", this.pipelineNode(mark, name, body, true));
        throw e;
      }
      return this.pipelineNode(mark, name, body, false);
    },
    this.recovery,
  );

  stageDecl = this.RULE(
    "stageDecl",
    (): A.StageDecl => {
      const mark = this.tokenCount;
      let keyword: IToken | undefined;
      let keywordSpan: Span | undefined;
      let name: A.Identifier | undefined;
      let source: A.Reference | A.Call | undefined;
      let head: Span | undefined;
      try {
        keyword = this.take(this.CONSUME(T.StageKeyword));
        keywordSpan = this.tokenSpan(keyword);
        name = this.identifier(this.take(this.CONSUME(T.Identifier)));
        this.take(this.CONSUME(T.Equals));
        source = this.SUBRULE(this.referenceOrCall);
        head = this.lastHead;
      } catch (e) {
        if (this.takeFailed() === "referenceOrCall") {
          source = this.failedValue as A.Reference | A.Call;
          head = this.lastHead;
        }
        this.fail(
          "stageDecl",
          this.stageNode(mark, keyword!, keywordSpan!, name, source, head, true),
        );
        throw e;
      }
      return this.stageNode(mark, keyword, keywordSpan, name, source, head, false);
    },
    this.recovery,
  );

  exportDecl = this.RULE(
    "exportDecl",
    (): A.ExportDecl => {
      const mark = this.tokenCount;
      let target: A.Reference | undefined;
      let destination: A.StringLiteral | undefined;
      let body: A.Block | undefined;
      try {
        this.tokenSpan(this.take(this.CONSUME(T.Export)));
        target = this.SUBRULE(this.reference);
        this.take(this.CONSUME(T.To));
        destination = this.SUBRULE(this.stringValue);
        this.OPTION(() => {
          body = this.SUBRULE(this.block);
        });
      } catch (e) {
        const failed = this.takeFailed();
        if (failed === "reference") target = this.failedValue as A.Reference;
        else if (failed === "stringValue") destination = this.failedValue as A.StringLiteral;
        else if (failed === "block") body = this.failedValue as A.Block;
        this.fail("exportDecl", this.exportNode(mark, target, destination, body, true));
        throw e;
      }
      return this.exportNode(mark, target, destination, body, false);
    },
    this.recovery,
  );

  private readonly separatorAlternatives = [
    { ALT: () => this.take(this.CONSUME(T.Comma)) },
    { ALT: () => this.take(this.CONSUME(T.Semicolon)) },
  ];
  private readonly separator = () => this.OR(this.separatorAlternatives);

  block = this.RULE(
    "block",
    (): A.Block => {
      const mark = this.tokenCount;
      const entries: A.Entry[] = [];
      let closing: IToken | undefined;
      try {
        this.take(this.CONSUME(T.LCurly));
        this.MANY(() => {
          const entry = this.SUBRULE(this.entry);
          if (entry !== undefined) entries.push(entry);
          this.OPTION(this.separator);
        });
        closing = this.take(this.CONSUME(T.RCurly));
      } catch (e) {
        throw this.blockFailed(e, mark, entries);
      }
      return this.blockNode(mark, entries, closing, false);
    },
    this.recovery,
  );

  private readonly entryAlternatives = [
    {
      ALT: () => {
        this.tokenSpan(this.take(this.CONSUME(T.Require)));
        this.entryForms[this.entryDepth - 1] = EntryForm.Require;
        return this.SUBRULE(this.expression);
      },
    },
    {
      ALT: () => {
        this.entryNames[this.entryDepth - 1] = this.identifier(
          this.take(this.CONSUME(T.Identifier)),
        );
        return this.OR2(this.entryTailAlternatives);
      },
    },
  ];
  private readonly entryTailAlternatives = [
    {
      ALT: () => {
        this.take(this.CONSUME(T.Colon));
        this.entryForms[this.entryDepth - 1] = EntryForm.Property;
        return this.SUBRULE2(this.expression);
      },
    },
    {
      ALT: () => {
        this.entryForms[this.entryDepth - 1] = EntryForm.SubBlock;
        return this.SUBRULE(this.block);
      },
    },
    {
      ALT: () => {
        this.take(this.CONSUME(T.When));
        this.entryForms[this.entryDepth - 1] = EntryForm.When;
        return this.SUBRULE3(this.expression);
      },
    },
    {
      ALT: () => {
        this.tokenSpan(this.take(this.CONSUME(T.Otherwise)));
        this.entryForms[this.entryDepth - 1] = EntryForm.Otherwise;
        return undefined;
      },
    },
  ];

  // One rule for all four entry forms: after the name, one token decides (LL(1)), which keeps
  // the parser fast on large files.
  entry = this.RULE(
    "entry",
    (): A.Entry | undefined => {
      const mark = this.tokenCount;
      const anchor = this.anchor;
      const depth = this.entryDepth++;
      this.entryForms[depth] = EntryForm.None;
      this.entryNames[depth] = undefined;
      let result: A.Expression | A.Block | undefined;
      try {
        result = this.OR(this.entryAlternatives);
      } catch (e) {
        throw this.entryFailed(e, mark, anchor, depth);
      }
      this.entryDepth = depth;
      return this.entryRead(mark, anchor, depth, result);
    },
    this.recovery,
  );

  private readonly readOperation = () => {
    const depth = this.expressionDepth - 1;
    (this.expressionOperators[depth] ??= []).push(this.take(this.CONSUME(T.BinaryOperator)).image);
    const value = this.SUBRULE2(this.unary);
    (this.expressionOperands[depth] ??= []).push({ nots: this.lastNots, value });
  };

  // Operators are parsed flat (operand (op operand)*) and precedence is applied when building
  // the node (`precedence.ts`): one rule level instead of one per precedence level.
  expression = this.RULE(
    "expression",
    (): A.Expression => {
      let first: A.Expression | undefined;
      let firstNots: Span[] | undefined;
      const depth = this.expressionDepth++;
      this.expressionOperators[depth] = undefined;
      this.expressionOperands[depth] = undefined;
      try {
        first = this.SUBRULE(this.unary);
        firstNots = this.lastNots;
        this.MANY(this.readOperation);
      } catch (e) {
        throw this.expressionFailed(e, depth, first, firstNots);
      }
      this.expressionDepth = depth;
      return this.expressionRead(depth, first, firstNots);
    },
    this.recovery,
  );

  private readonly readNot = () => {
    (this.readNots ??= []).push(this.tokenSpan(this.take(this.CONSUME(T.Not))));
  };

  unary = this.RULE(
    "unary",
    (): A.Expression => {
      let nots: Span[] | undefined | null = null; // null: still reading them
      let value: A.Expression | undefined;
      this.readNots = undefined;
      try {
        this.MANY(this.readNot);
        nots = this.readNots;
        value = this.SUBRULE(this.primary);
      } catch (e) {
        throw this.unaryFailed(e, nots);
      }
      this.lastNots = nots;
      return value;
    },
    this.recovery,
  );

  // The alternatives are built once (they keep no per-call state): building eight closures on
  // every value was a measurable part of the parse.
  private readonly primaryAlternatives = [
    { ALT: () => this.numberLiteral(this.take(this.CONSUME(T.NumberLiteral))) },
    { ALT: () => this.SUBRULE(this.stringValue) },
    { ALT: () => this.booleanLiteral(this.take(this.CONSUME(T.True)), true) },
    { ALT: () => this.booleanLiteral(this.take(this.CONSUME(T.False)), false) },
    { ALT: () => this.SUBRULE(this.list) },
    { ALT: () => this.mapNode(this.SUBRULE(this.block)) },
    {
      ALT: () => {
        this.take(this.CONSUME(T.LParen));
        const inner = this.SUBRULE(this.expression);
        this.parenInner = inner;
        this.take(this.CONSUME(T.RParen));
        return inner;
      },
    },
    { ALT: () => this.SUBRULE(this.referenceOrCall) },
  ];

  primary = this.RULE(
    "primary",
    (): A.Expression => {
      this.parenInner = undefined;
      try {
        return this.OR(this.primaryAlternatives);
      } catch (e) {
        throw this.primaryFailed(e);
      }
    },
    this.recovery,
  );

  private readonly stringAlternatives = [
    { ALT: () => this.take(this.CONSUME(T.StringLiteral)) },
    { ALT: () => this.take(this.CONSUME(T.TripleString)) },
    { ALT: () => this.take(this.CONSUME(T.UnterminatedString)) },
  ];

  stringValue = this.RULE(
    "stringValue",
    (): A.StringLiteral => {
      let token: IToken;
      try {
        token = this.OR(this.stringAlternatives);
      } catch (e) {
        this.fail("stringValue", this.missingString());
        throw e;
      }
      // While the grammar is recorded, the alternatives return a placeholder, not a token.
      return this.RECORDING_PHASE ? this.missingString() : this.stringNode(token);
    },
    this.recovery,
  );

  list = this.RULE(
    "list",
    (): A.ListExpression => {
      const mark = this.tokenCount;
      const items: A.Expression[] = [];
      try {
        this.take(this.CONSUME(T.LBracket));
        this.OPTION(() => {
          items.push(this.SUBRULE(this.expression));
          this.MANY(() => {
            this.take(this.CONSUME(T.Comma));
            items.push(this.SUBRULE2(this.expression));
          });
          this.OPTION2(() => this.take(this.CONSUME2(T.Comma)));
        });
        this.take(this.CONSUME(T.RBracket));
      } catch (e) {
        throw this.listFailed(e, mark, items);
      }
      return this.listNode(mark, items, false);
    },
    this.recovery,
  );

  reference = this.RULE(
    "reference",
    (): A.Reference => {
      const mark = this.tokenCount;
      const parts: A.Identifier[] = [];
      try {
        parts.push(this.identifier(this.take(this.CONSUME(T.Identifier))));
        this.MANY(() => {
          this.take(this.CONSUME(T.Dot));
          parts.push(this.identifier(this.take(this.CONSUME2(T.Identifier))));
        });
      } catch (e) {
        this.takeFailed();
        this.fail("reference", this.referenceNode(mark, parts));
        throw e;
      }
      return this.referenceNode(mark, parts);
    },
    this.recovery,
  );

  // The repetitions and options below keep no per-call state in closures (a reference or call
  // is read for most values): the parts being read go through fields.
  private readonly readDottedPart = () => {
    this.take(this.CONSUME(T.Dot));
    this.readParts.push(this.identifier(this.take(this.CONSUME2(T.Identifier))));
  };
  private readonly readArguments = (): CallParts => {
    const call: CallParts = {
      lparen: this.take(this.CONSUME(T.LParen)),
      rparen: undefined,
      rparenSpan: undefined,
      args: [],
    };
    try {
      this.OPTION2(() => {
        call.args.push(this.SUBRULE(this.argument));
        this.MANY2(() => {
          this.take(this.CONSUME(T.Comma));
          call.args.push(this.SUBRULE2(this.argument));
        });
        this.OPTION4(() => this.take(this.CONSUME2(T.Comma)));
      });
      const rparen = this.take(this.CONSUME(T.RParen));
      call.rparen = rparen;
      if (!rparen.isInsertedInRecovery) call.rparenSpan = this.tokenSpan(rparen);
    } catch (e) {
      this.partialCall = call;
      throw e;
    }
    return call;
  };
  private readonly readBlock = () => this.SUBRULE(this.block);

  referenceOrCall = this.RULE(
    "referenceOrCall",
    (): A.Reference | A.Call => {
      const mark = this.tokenCount;
      const ids: A.Identifier[] = [];
      let call: CallParts | undefined;
      let body: A.Block | undefined;
      let readingArguments = false;
      try {
        ids.push(this.identifier(this.take(this.CONSUME(T.Identifier))));
        this.readParts = ids;
        this.MANY(this.readDottedPart);
        readingArguments = true;
        call = this.OPTION(this.readArguments);
        readingArguments = false;
        body = this.OPTION3(this.readBlock);
      } catch (e) {
        throw this.referenceOrCallFailed(e, mark, ids, readingArguments ? this.partialCall : call);
      }
      return this.referenceOrCallNode(mark, ids, call, body);
    },
    this.recovery,
  );

  argument = this.RULE(
    "argument",
    (): A.Argument => {
      const mark = this.tokenCount;
      let name: A.Identifier | undefined;
      let value: A.Expression | undefined;
      try {
        this.OPTION({
          GATE: () => this.LA(2).tokenType === T.Colon,
          DEF: () => {
            name = this.identifier(this.take(this.CONSUME(T.Identifier)));
            this.take(this.CONSUME(T.Colon));
          },
        });
        value = this.SUBRULE(this.expression);
      } catch (e) {
        throw this.argumentFailed(e, mark, name);
      }
      return this.argumentNode(mark, name, value);
    },
    this.recovery,
  );
}

let instance: AstParser | undefined;

/** The process-wide parser (construction is expensive; reuse resets its input). */
export function astParser(): AstParser {
  instance ??= new AstParser();
  return instance;
}
