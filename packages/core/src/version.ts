import rootPackage from "../../../package.json" with { type: "json" }

/** The project's version, written into backup names as Immich writes its server version. */
export const APP_VERSION: string = rootPackage.version
