import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "conformance/**/*.test.ts"],
    setupFiles: ["test/setup-host.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real containers; two cores, so two files at a time.
    maxWorkers: 2,
  },
});
