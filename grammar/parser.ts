/**
 * The `.pipe` grammar as a Chevrotain CstParser. One instance is built per process (building
 * runs `performSelfAnalysis`, which is the expensive part); `parse.ts` reuses it.
 *
 *   file        := item*
 *   item        := pipelineDecl | stageDecl | exportDecl
 *   pipelineDecl:= "pipeline" STRING block
 *   stageDecl   := STAGE_KEYWORD IDENT "=" source block?
 *   exportDecl  := "export" reference "to" STRING block?
 *   block       := "{" (entry (","|";")?)* "}"
 *   entry       := "require" expression
 *                | IDENT (":" expression | block | "when" expression | "otherwise")
 *   expression  := unary (BINARY_OP unary)*     (precedence applied in cst-to-ast.ts:
 *                  or < and < not < comparisons, in < ..)
 *   unary       := "not"* primary
 *   primary     := NUMBER | STRING | TRIPLE_STRING | true | false | list | block (a map)
 *                | "(" expression ")" | referenceOrCall
 *   referenceOrCall := IDENT ("." IDENT)* ("(" args? ")")? block?
 *   list        := "[" (expression ("," expression)* ","?)? "]"
 *   args        := arg ("," arg)* ","?        arg := (IDENT ":")? expression
 */
import {
  CstParser,
  EOF,
  type CstNode,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from "chevrotain";
import * as T from "./tokens.js";

function describeType(type: TokenType): string {
  if (type === EOF) return "the end of the file";
  return type.LABEL ?? `\`${type.name}\``;
}

function describeFound(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  const image = token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
  return `\`${image}\``;
}

/** Messages in our voice ("expected `:`, found `16`") instead of Chevrotain's defaults. */
const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) =>
    `expected ${describeType(expected)}, found ${describeFound(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) =>
    `expected a declaration, found ${describeFound(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) => {
    const starts = new Set<string>();
    for (const alt of expectedPathsPerAlt)
      for (const path of alt) if (path[0]) starts.add(describeType(path[0]));
    return `expected ${[...starts].join(" or ")}, found ${describeFound(actual[0])}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) => {
    const starts = new Set<string>();
    for (const path of expectedIterationPaths) if (path[0]) starts.add(describeType(path[0]));
    return `expected ${[...starts].join(" or ")}, found ${describeFound(actual[0])}`;
  },
};

export class PipeParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      errorMessageProvider,
      nodeLocationTracking: "onlyOffset",
      skipValidations: !T.VALIDATE_GRAMMAR,
      maxLookahead: 3,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.item));
  });

  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.pipelineDecl) },
      { ALT: () => this.SUBRULE(this.stageDecl) },
      { ALT: () => this.SUBRULE(this.exportDecl) },
    ]);
  });

  pipelineDecl = this.RULE("pipelineDecl", () => {
    this.CONSUME(T.Pipeline);
    this.SUBRULE(this.stringValue);
    this.SUBRULE(this.block);
  });

  stageDecl = this.RULE("stageDecl", () => {
    this.CONSUME(T.StageKeyword);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.referenceOrCall);
  });

  exportDecl = this.RULE("exportDecl", () => {
    this.CONSUME(T.Export);
    this.SUBRULE(this.reference);
    this.CONSUME(T.To);
    this.SUBRULE(this.stringValue);
    this.OPTION(() => this.SUBRULE(this.block));
  });

  block = this.RULE("block", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.entry);
      this.OPTION(() =>
        this.OR([{ ALT: () => this.CONSUME(T.Comma) }, { ALT: () => this.CONSUME(T.Semicolon) }]),
      );
    });
    this.CONSUME(T.RCurly);
  });

  // One rule for all four entry forms: after the name, one token decides (LL(1)), which keeps
  // the parser fast on large files.
  entry = this.RULE("entry", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Require);
          this.SUBRULE(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Colon);
                this.SUBRULE2(this.expression);
              },
            },
            { ALT: () => this.SUBRULE(this.block) },
            {
              ALT: () => {
                this.CONSUME(T.When);
                this.SUBRULE3(this.expression);
              },
            },
            { ALT: () => this.CONSUME(T.Otherwise) },
          ]);
        },
      },
    ]);
  });

  // Operators are parsed flat (operand (op operand)*) and precedence is applied when building
  // the AST: one rule level instead of one per precedence level.
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator);
      this.SUBRULE2(this.unary);
    });
  });

  unary = this.RULE("unary", () => {
    this.MANY(() => this.CONSUME(T.Not));
    this.SUBRULE(this.primary);
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.SUBRULE(this.stringValue) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.block) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.referenceOrCall) },
    ]);
  });

  stringValue = this.RULE("stringValue", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.TripleString) },
      { ALT: () => this.CONSUME(T.UnterminatedString) },
    ]);
  });

  list = this.RULE("list", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression);
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  reference = this.RULE("reference", () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
  });

  referenceOrCall = this.RULE("referenceOrCall", () => {
    this.CONSUME(T.Identifier);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.argument);
        this.MANY2(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.argument);
        });
        this.OPTION4(() => this.CONSUME2(T.Comma));
      });
      this.CONSUME(T.RParen);
    });
    this.OPTION3(() => this.SUBRULE(this.block));
  });

  argument = this.RULE("argument", () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Colon,
      DEF: () => {
        this.CONSUME(T.Identifier);
        this.CONSUME(T.Colon);
      },
    });
    this.SUBRULE(this.expression);
  });
}

let instance: PipeParser | undefined;

/** The process-wide parser (construction is expensive; reuse resets its input). */
export function pipeParser(): PipeParser {
  instance ??= new PipeParser();
  return instance;
}

export type { CstNode, IToken };
export { EOF };
