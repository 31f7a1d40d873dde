/**
 * Code-unit order for sorting identifiers (diagnostic codes, stage and node names). Unlike
 * `localeCompare` it is the same on every machine and does not initialise ICU's collator,
 * which costs several milliseconds of every `pipe check`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
