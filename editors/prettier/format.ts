/** Formats `.pipe` text with Prettier and our plugin; syntax errors come back as a value. */
import { format } from "prettier";
import plugin, { PipeSyntaxError } from "./plugin.js";

export type FormatResult = { ok: true; formatted: string } | { ok: false; rendered: string };

export async function formatPipe(text: string, filepath = "<input>"): Promise<FormatResult> {
  try {
    const formatted = await format(text, { parser: "pipe", plugins: [plugin], filepath });
    return { ok: true, formatted };
  } catch (err) {
    if (err instanceof PipeSyntaxError) return { ok: false, rendered: err.rendered };
    throw err;
  }
}
