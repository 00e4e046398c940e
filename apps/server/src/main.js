// Plain JavaScript on purpose: Node's compile cache is switched on before any TypeScript is loaded, so
// the type stripper itself is never loaded (its cached output is used). CLI start-up: about 0.35 s -> 0.25 s.
import { enableCompileCache } from "node:module"

enableCompileCache()
await import("./run.ts")
