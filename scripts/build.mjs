// Bundles the CLI into dist/pipe.js (+ lazily loaded chunks) with esbuild: a bundle loads far faster than hundreds of
// ES modules (Node start-up matters: `pipe check` must answer in well under 300 ms).
// Native and heavy optional packages stay external and load lazily.
import { build } from "esbuild";

import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

// yargs lays out help text with `string-width`, whose module compiles big Unicode-property and
// emoji regular expressions when it loads (~20 ms of every start-up); the CLI's own
// equivalent compiles its patterns only on first non-ASCII input.
const stringWidthShim = {
  name: "string-width-shim",
  setup(b) {
    const shim = fileURLToPath(new URL("../cli/terminal/string-width.ts", import.meta.url));
    b.onResolve({ filter: /^string-width$/ }, () => ({ path: shim }));
  },
};

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["cli/bin.ts"],
  outdir: "dist",
  entryNames: "pipe",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Commands import their implementations lazily; splitting keeps each in its own chunk, so
  // `pipe check` never compiles the runtime, Prettier glue or detection code.
  splitting: true,
  sourcemap: "linked",
  // Smaller sources compile faster: ~15 ms of `pipe check`'s start-up. Stack traces map back
  // to the TypeScript through the source maps when PIPE_DEBUG=1 (cli/bin.ts).
  minify: true,
  external: ["webgpu", "prettier", "@tensorflow/*", "tsx", "vitest"],
  mainFields: ["module", "main"],
  banner: {
    // Some bundled CommonJS dependencies call require(); give ESM output a require().
    js: "import { createRequire as __pipeCreateRequire } from 'node:module'; const require = __pipeCreateRequire(import.meta.url);",
  },
  plugins: [stringWidthShim],
  logLevel: "warning",
});
