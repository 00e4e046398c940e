import { createHash, createHmac, createSecretKey } from "node:crypto"
import type { Hash, Hmac, KeyObject } from "node:crypto"

/**
 * HMAC keys as KeyObjects, one per signing key: node:crypto takes a KeyObject about five times faster
 * than raw bytes, and the signer reuses the same derived key (the same array) for a whole day.
 */
const keyObjects = new WeakMap<object, KeyObject>()
const keyObjectOf = (key: ArrayBuffer | ArrayBufferView): KeyObject => {
  let cached = keyObjects.get(key)
  if (cached === undefined) {
    cached = createSecretKey(
      ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : new Uint8Array(key)
    )
    keyObjects.set(key, cached)
  }
  return cached
}

/** node:crypto behind the interface the SDK's SigV4 signer takes. */
export class NodeSha256 {
  readonly #secret: string | KeyObject | undefined
  #hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined || typeof secret === "string" ? secret : keyObjectOf(secret)
    this.#hash = this.#fresh()
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret)
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data)
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest())
  }
  reset(): void {
    this.#hash = this.#fresh()
  }
}
