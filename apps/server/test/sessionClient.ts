/** A client of the session API, as the mobile app uses it: log in, then `Authorization: Bearer`. */

const login = (url: string, email: string, password: string) =>
  fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password })
  })

/** The status of a login attempt (its body read and dropped). */
export const apiLoginStatus = async (url: string, email: string, password: string): Promise<number> => {
  const response = await login(url, email, password)
  await response.arrayBuffer()
  return response.status
}

export const apiLogin = async (url: string, email: string, password: string): Promise<string> => {
  const response = await login(url, email, password)
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`login as ${email} answered ${response.status}: ${await response.text()}`)
  }
  return ((await response.json()) as { accessToken: string }).accessToken
}

/** `POST /api/assets` with a bearer token. */
export const uploadAs = async (url: string, token: string, fileName: string, bytes: Uint8Array, takenAt: string) => {
  const form = new FormData()
  form.append("deviceAssetId", `${fileName}-${bytes.length}`)
  form.append("deviceId", "test")
  form.append("fileCreatedAt", takenAt)
  form.append("fileModifiedAt", takenAt)
  form.append("assetData", new Blob([bytes]), fileName)
  const response = await fetch(`${url}/api/assets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form
  })
  return { status: response.status, body: (await response.json()) as { id: string; status: string } }
}
