export * from "./boot.ts"
export * from "./ServerConfig.ts"
