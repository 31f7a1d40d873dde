#!/usr/bin/env node
// The `pipe` executable. Runs the bundled CLI (dist/pipe.js, built by `npm run build`, which
// `npm ci`/`npm install` run via `prepare`); in a checkout without a build, runs the sources
// through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "pipe.js");
if (existsSync(bundle) && !process.env.PIPE_FROM_SOURCE) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "cli", "bin.ts")).href);
}
