import type { SessionDevice } from "@immich-storage/core"

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\bOPR\//, "Opera"],
  [/\bFirefox\//, "Firefox"],
  [/\bChrom(?:e|ium)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"]
]

const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bAndroid\b/, "Android"],
  [/\b(?:iPhone|iPad|iPod)\b|\biOS\b/, "iOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bCrOS\b/, "Chrome OS"],
  [/\bLinux\b/, "Linux"]
]

const firstMatch = (text: string, table: ReadonlyArray<readonly [RegExp, string]>): string | undefined =>
  table.find(([pattern]) => pattern.test(text))?.[1]

/**
 * What the session list shows about a login, read as upstream reads it: the browser and the operating
 * system from the User-Agent, and the Immich app's version when a mobile app logs in
 * (`Immich_Android_1.2.3`), with the `devicemodel`/`devicetype` headers the app sends as fallbacks.
 */
export const sessionDevice = (headers: Readonly<Record<string, string | undefined>>): SessionDevice => {
  const agent = headers["user-agent"] ?? ""
  const app = /^Immich_(Android|iOS)_(\S+)/.exec(agent)
  return {
    deviceType: firstMatch(agent, BROWSERS) ?? headers["devicemodel"] ?? "",
    deviceOS: app?.[1] ?? firstMatch(agent, SYSTEMS) ?? headers["devicetype"] ?? "",
    appVersion: app?.[2] ?? null
  }
}
