// The walk thread's entry, in plain JavaScript for the reason `apps/cli/src/main.js` is: with Node's compile
// cache on before any TypeScript loads, the thread does not load the type stripper (a third of a second).
import { enableCompileCache } from "node:module"

enableCompileCache()
await import("./walkWorker.ts")
