/**
 * Operator precedence over a flat operand list. The grammar reads `unary (op unary)*`; this
 * applies precedence (Pratt parsing over the operands and operators, in source order):
 * or < and < not < comparisons and `in` < `..`. `not` is a prefix that binds looser than
 * comparisons (`not a > b` is `not (a > b)`).
 */
import type * as A from "./ast.js";
import type { Span } from "../compiler/diagnostics/diagnostic.js";

/** One operand: the spans of its leading `not`s (consumed here) and its value. */
export interface Operand {
  nots: Span[] | undefined;
  value: A.Expression;
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

/**
 * The expression tree of `operands[0] operators[0] operands[1] ...`; `join` makes the span
 * covering two spans. Operands left over (only after a syntax error) are dropped.
 */
export function precedence(
  operands: Operand[],
  operators: string[],
  join: (a: Span, b: Span) => Span,
): A.Expression {
  let position = 0;
  const parseLevel = (minimum: number): A.Expression => {
    const operand = operands[position];
    let left: A.Expression;
    if (operand.nots !== undefined && operand.nots.length > 0) {
      const notSpan = operand.nots.shift()!;
      const inner = parseLevel(NOT_PRECEDENCE);
      left = { kind: "Not", operand: inner, span: join(notSpan, inner.span) };
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
          ? { kind: "Range", from: left, to: right, span: join(left.span, right.span) }
          : {
              kind: "Binary",
              operator: op as A.BinaryOperator,
              left,
              right,
              span: join(left.span, right.span),
            };
    }
    return left;
  };
  return parseLevel(0);
}
