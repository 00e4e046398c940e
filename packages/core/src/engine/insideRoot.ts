/** Whether a real path lies inside `realRoot` (the root itself included). */
export const insideOf = (realRoot: string) => (real: string): boolean =>
  real === realRoot || real.startsWith(`${realRoot}/`)
