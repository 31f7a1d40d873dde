// Bundles the CLI into dist/pipe.mjs with esbuild: one file loads far faster than hundreds of
// ES modules (Node start-up matters: `pipe check` must answer in well under 300 ms).
// Native and heavy optional packages stay external and load lazily.
import { build } from "esbuild";

await build({
  entryPoints: ["cli/bin.ts"],
  outfile: "dist/pipe.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  splitting: false,
  sourcemap: "linked",
  minify: false,
  external: ["webgpu", "prettier", "@tensorflow/*", "tsx", "vitest"],
  mainFields: ["module", "main"],
  banner: {
    // Some bundled CommonJS dependencies call require(); give ESM output a require().
    js: "import { createRequire as __pipeCreateRequire } from 'node:module'; const require = __pipeCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
