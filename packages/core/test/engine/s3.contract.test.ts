import { engineContract } from "./contract.ts"
import { s3EngineLayer } from "./helpers.ts"

engineContract("S3 (test server on 127.0.0.1)", s3EngineLayer)
