/**
 * Which S3 server the tests use: the test server that `globalSetup` starts, or (all of `TEST_S3_ENDPOINT`,
 * `TEST_S3_ACCESS_KEY_ID`, `TEST_S3_SECRET_ACCESS_KEY` set) an external one, so anyone can run the suite
 * against their own MinIO, Ceph RGW, R2, B2 or AWS account. Tests make (and the setup afterwards deletes)
 * buckets of their own there, named `<TEST_S3_BUCKET_PREFIX>-<run>-…`: the keys need CreateBucket and DeleteBucket.
 */
export interface S3Target {
  /** Undefined: the test server, whose endpoint `globalSetup` provides. */
  readonly endpoint: string | undefined
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly region: string
  readonly forcePathStyle: boolean
  /** Start of the names of the buckets tests create. */
  readonly bucketPrefix: string
}

export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const

const TEST_SERVER: S3Target = {
  endpoint: undefined,
  credentials: TEST_CREDENTIALS,
  region: "us-east-1",
  forcePathStyle: true,
  bucketPrefix: "test"
}

/** The target the environment names, or a message saying which variable to fix. */
export const s3TargetFromEnv = (env: Readonly<Record<string, string | undefined>>): S3Target | string => {
  const endpoint = env["TEST_S3_ENDPOINT"]
  const accessKeyId = env["TEST_S3_ACCESS_KEY_ID"]
  const secretAccessKey = env["TEST_S3_SECRET_ACCESS_KEY"]
  if (endpoint === undefined || endpoint === "") {
    return accessKeyId === undefined && secretAccessKey === undefined
      ? TEST_SERVER
      : "TEST_S3_ACCESS_KEY_ID / TEST_S3_SECRET_ACCESS_KEY are set but TEST_S3_ENDPOINT is not: set it to your server"
  }
  if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    return `TEST_S3_ENDPOINT must be http(s)://host[:port], got "${endpoint}"`
  }
  if (accessKeyId === undefined || accessKeyId === "" || secretAccessKey === undefined || secretAccessKey === "") {
    return "TEST_S3_ENDPOINT is set: set TEST_S3_ACCESS_KEY_ID and TEST_S3_SECRET_ACCESS_KEY (keys that create buckets)"
  }
  const pathStyle = (env["TEST_S3_FORCE_PATH_STYLE"] ?? "true").toLowerCase()
  if (pathStyle !== "true" && pathStyle !== "false") {
    return `TEST_S3_FORCE_PATH_STYLE must be true or false, got "${pathStyle}"`
  }
  const bucketPrefix = env["TEST_S3_BUCKET_PREFIX"] ?? "immich-storage-test"
  if (!/^[a-z0-9][a-z0-9-]{0,29}$/.test(bucketPrefix)) {
    return `TEST_S3_BUCKET_PREFIX must be 1-30 of a-z, 0-9 and "-", got "${bucketPrefix}"`
  }
  return {
    endpoint: endpoint.replace(/\/$/, ""),
    credentials: { accessKeyId, secretAccessKey },
    region: env["TEST_S3_REGION"] ?? "us-east-1",
    forcePathStyle: pathStyle === "true",
    bucketPrefix
  }
}

/** The target of this run (the environment is read once; a bad one fails every S3 test with its message). */
export const s3Target = (): S3Target => {
  const target = s3TargetFromEnv(process.env)
  if (typeof target === "string") throw new Error(target)
  return target
}
