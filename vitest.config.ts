import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // WebGPU (Dawn on lavapipe) and the CPU are shared: files run in a few forks, not many.
    pool: "forks",
    maxWorkers: 2,
  },
});
