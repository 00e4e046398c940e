/**
 * The shapes the page reads, as Immich v3.2 defines them (`@immich/sdk` 3.2.x, build/fetch-client.d.ts),
 * trimmed to the fields the page uses. The admin storage answer is this server's own.
 */
export interface LoginResponseDto {
  readonly accessToken: string
  readonly isAdmin: boolean
  readonly isOnboarded: boolean
  readonly name: string
  readonly profileImagePath: string
  readonly shouldChangePassword: boolean
  readonly userEmail: string
  readonly userId: string
}

export interface UserResponse {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly isAdmin: boolean
}

export interface ServerConfigDto {
  readonly isInitialized: boolean
  readonly isOnboarded: boolean
  readonly loginPageMessage: string
}

export interface TimeBucketsResponseDto {
  readonly count: number
  readonly timeBucket: string
}

/** One month of the timeline, column by column: index `i` of every array is the i-th asset. */
export interface TimeBucketAssetResponseDto {
  readonly id: ReadonlyArray<string>
  readonly ownerId: ReadonlyArray<string>
  readonly isImage: ReadonlyArray<boolean>
  readonly ratio: ReadonlyArray<number>
  readonly thumbhash: ReadonlyArray<string | null>
  readonly fileCreatedAt: ReadonlyArray<string>
  readonly duration: ReadonlyArray<number | string | null>
}

export interface AssetMediaResponseDto {
  readonly id: string
  readonly status: "created" | "replaced" | "duplicate"
}

export interface DatabaseBackupDto {
  readonly filename: string
  readonly filesize: number
  readonly timezone: string
}

/** `GET /api/admin/storage` (this server's): where the media lives and whether its folder markers are there. */
export interface StorageStatusDto {
  readonly engine: "local" | "s3"
  readonly location: string
  readonly root?: string
  readonly bucket?: string
  readonly prefix?: string
  readonly endpoint?: string
  readonly markers: ReadonlyArray<{ readonly folder: string; readonly present: boolean }>
}

/** One asset of the timeline, as the grid and the viewer use it. */
export interface TimelineAsset {
  readonly id: string
  readonly isImage: boolean
  readonly thumbhash: string | null
  readonly fileCreatedAt: string
}

export const assetsOfBucket = (bucket: TimeBucketAssetResponseDto): Array<TimelineAsset> =>
  bucket.id.map((id, i) => ({
    id,
    isImage: bucket.isImage[i] ?? true,
    thumbhash: bucket.thumbhash[i] ?? null,
    fileCreatedAt: bucket.fileCreatedAt[i] ?? ""
  }))
