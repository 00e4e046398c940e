export * from "./cli.ts"
