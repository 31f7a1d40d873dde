/**
 * Locale-independent number formatting for messages. `toLocaleString("en-US")` gives the same
 * text but initialises ICU's number formatter on first use (~6 ms of `pipe check`'s start-up),
 * and messages must read the same on every machine anyway.
 */

/** 12345 → "12,345"; -1234567.5 → "-1,234,567.5". Non-finite numbers print as JavaScript does. */
export function groupThousands(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const text = String(Math.abs(n));
  // Exponent notation (|n| ≥ 1e21 or tiny fractions) has no digits to group.
  if (text.includes("e")) return String(n);
  const [whole, fraction] = text.split(".") as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${n < 0 ? "-" : ""}${grouped}${fraction !== undefined ? `.${fraction}` : ""}`;
}
