import { engineContract } from "./contract.ts"
import { localEngineLayer } from "./helpers.ts"

engineContract("local disk", localEngineLayer)
