/** A row of Immich's `user` table, as this server reads it. */
export interface UserRow {
  readonly id: string
  readonly email: string
  readonly name: string
  readonly isAdmin: boolean
  readonly profileImagePath: string
  readonly profileChangedAt: Date
  readonly storageLabel: string | null
  readonly quotaSizeInBytes: string | null
  readonly quotaUsageInBytes: string
  readonly status: string
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly deletedAt: Date | null
}

/** The columns of `UserRow`, for SELECTs that join other tables. */
export const USER_COLUMNS = `u."id", u."email", u."name", u."isAdmin", u."profileImagePath", u."profileChangedAt", u."storageLabel",
  u."quotaSizeInBytes"::text as "quotaSizeInBytes", u."quotaUsageInBytes"::text as "quotaUsageInBytes", u."status", u."createdAt", u."updatedAt", u."deletedAt"`

const bigintOrNull = (value: string | null): number | null => (value === null ? null : Number(value))

/**
 * Immich's `UserAdminResponseDto` (what `GET /api/users/me` answers). Fields this server has no data for
 * carry Immich's defaults: the avatar colour `primary`, no OAuth id, no license, no forced password change.
 */
export const userAdminResponse = (user: UserRow) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  profileImagePath: user.profileImagePath,
  avatarColor: "primary",
  profileChangedAt: user.profileChangedAt.toISOString(),
  storageLabel: user.storageLabel,
  shouldChangePassword: false,
  isAdmin: user.isAdmin,
  createdAt: user.createdAt.toISOString(),
  deletedAt: user.deletedAt === null ? null : user.deletedAt.toISOString(),
  updatedAt: user.updatedAt.toISOString(),
  oauthId: "",
  quotaSizeInBytes: bigintOrNull(user.quotaSizeInBytes),
  quotaUsageInBytes: bigintOrNull(user.quotaUsageInBytes),
  status: user.status,
  license: null
})
