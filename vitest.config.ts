import { defineConfig } from "vitest/config"

const project = (name: string, root: string) => ({
  extends: true as const,
  test: { name, root, include: ["test/**/*.test.ts"] }
})

export default defineConfig({
  test: {
    globalSetup: ["packages/testkit/src/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      project("core", "packages/core"),
      project("server", "apps/server"),
      project("cli", "apps/cli"),
      project("testkit", "packages/testkit"),
      project("web", "apps/web")
    ]
  }
})
