import type { UserRow } from "@immich-storage/core"
import type { UserAdminResponse } from "../api/dtos.ts"

const bigintOrNull = (value: string | null): number | null => (value === null ? null : Number(value))

/**
 * Immich's `UserAdminResponseDto` (what `GET /api/users/me` answers). Fields this server has no data for
 * carry Immich's defaults: the avatar colour `primary`, no OAuth id, no license.
 */
export const userAdminResponse = (user: UserRow): UserAdminResponse => ({
  id: user.id,
  email: user.email,
  name: user.name,
  profileImagePath: user.profileImagePath,
  avatarColor: "primary",
  profileChangedAt: user.profileChangedAt.toISOString(),
  storageLabel: user.storageLabel,
  shouldChangePassword: user.shouldChangePassword,
  isAdmin: user.isAdmin,
  createdAt: user.createdAt.toISOString(),
  deletedAt: user.deletedAt === null ? null : user.deletedAt.toISOString(),
  updatedAt: user.updatedAt.toISOString(),
  oauthId: "",
  quotaSizeInBytes: bigintOrNull(user.quotaSizeInBytes),
  quotaUsageInBytes: bigintOrNull(user.quotaUsageInBytes),
  status: user.status,
  license: null,
  // v3.2: the user's cluster group; a database from before v3.2 has none.
  clusterGroupId: user.clusterGroupId
})
