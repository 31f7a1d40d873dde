/** Parser error messages in our voice ("expected `:`, found `16`") instead of Chevrotain's. */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";

function describeType(type: TokenType): string {
  if (type === EOF) return "the end of the file";
  return type.LABEL ?? `\`${type.name}\``;
}

function describeFound(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  const image = token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
  return `\`${image}\``;
}

export const errorMessageProvider: IParserErrorMessageProvider = {
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
