/** A size for people, to a tenth: `812.3 KiB`, `4.2 MiB`, `1.1 GiB` (backup lists, clean-up reports). */
export const formatSize = (bytes: number): string =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : bytes >= 1024 ** 2
    ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`
