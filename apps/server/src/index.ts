export * from "./boot.ts"
export * from "./serverSettings.ts"
export * from "./ServerConfig.ts"
