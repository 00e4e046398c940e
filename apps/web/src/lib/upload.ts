import type { AssetMediaResponseDto } from "./dtos.ts"

/**
 * `POST /api/assets` as Immich's web app sends it, through XMLHttpRequest because fetch cannot report upload
 * progress. `onProgress` gets the fraction of the body sent.
 */
export const uploadFile = (file: File, onProgress: (fraction: number) => void): Promise<AssetMediaResponseDto> =>
  new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open("POST", "/api/assets")
    request.responseType = "json"
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    })
    request.addEventListener("load", () => {
      const body = request.response as (AssetMediaResponseDto & { message?: string }) | null
      if (request.status >= 200 && request.status < 300 && body !== null) return resolve(body)
      reject(new Error(body?.message ?? `the server answered ${request.status}`))
    })
    request.addEventListener("error", () => reject(new Error("the connection failed")))
    const modified = new Date(file.lastModified > 0 ? file.lastModified : Date.now()).toISOString()
    const form = new FormData()
    form.append("deviceAssetId", `web-${file.name}-${file.size}-${file.lastModified}`)
    form.append("deviceId", "WEB")
    form.append("fileCreatedAt", modified)
    form.append("fileModifiedAt", modified)
    form.append("isFavorite", "false")
    form.append("assetData", file, file.name)
    request.send(form)
  })

/** Runs `work` over `items`, at most `limit` at a time. */
export const inParallel = async <A>(items: ReadonlyArray<A>, limit: number, work: (item: A) => Promise<void>) => {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
