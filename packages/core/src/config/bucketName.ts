/**
 * S3 general-purpose bucket naming rules (the ones MinIO and other S3-compatible servers follow too).
 * Returns why `name` breaks them, or undefined.
 */
export const bucketNameProblem = (name: string): string | undefined => {
  if (name.length < 3 || name.length > 63) return `must be 3 to 63 characters long (it is ${name.length})`
  if (!/^[a-z0-9.-]+$/.test(name)) return "may contain only lowercase letters, digits, dots and hyphens"
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit"
  if (name.includes("..")) return "must not contain two adjacent dots"
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "must not be formatted as an IP address"
  for (const reserved of ["xn--", "sthree-", "amzn-s3-demo-"]) {
    if (name.startsWith(reserved)) return `must not begin with the reserved prefix "${reserved}"`
  }
  for (const reserved of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(reserved)) return `must not end with the reserved suffix "${reserved}"`
  }
  return undefined
}
