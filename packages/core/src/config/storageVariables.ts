import { asBoolean, asChoice, asText, envVariable } from "./envVariable.ts"

export const DEFAULT_MEDIA_LOCATION = "./data"

/** Where the media lives: the engine, the local folder, and Immich's mount-check switch. */
export const storageVariables = {
  engine: envVariable({
    name: "IMMICH_STORAGE_ENGINE",
    default: "local",
    description: "`local` (a folder) or `s3` (a bucket).",
    secret: false,
    decode: asChoice(["local", "s3"], "is not an engine", "use local or s3")
  }),
  mediaLocation: envVariable({
    name: "IMMICH_MEDIA_LOCATION",
    // Local engine only; resolved against the working directory.
    default: DEFAULT_MEDIA_LOCATION,
    description: "Local engine: the media folder, resolved to an absolute path. Must **not** be set with `s3`: the " +
      "location is then `s3://<S3_BUCKET>/<S3_PREFIX>`. The filesystem root is refused.",
    secret: false,
    decode: asText
  }),
  ignoreMountCheckErrors: envVariable({
    name: "IMMICH_IGNORE_MOUNT_CHECK_ERRORS",
    default: "false",
    description: "Start even when a storage folder lost its `.immich` marker (as in Immich): the server logs one " +
      "warning naming the folders and saying that their errors were ignored.",
    secret: false,
    decode: asBoolean
  })
}
