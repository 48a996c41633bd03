import { decodePageToken, encodePageToken, importTokenKey } from "../domain/pagination";

let cached: { secret: string; key: Promise<CryptoKey> } | undefined;

/** The HMAC key for page tokens, derived once per isolate from configuration. */
function tokenKey(env: Env): Promise<CryptoKey> {
  const secret = env.PAGE_TOKEN_SECRET ?? env.IOT_CREDENTIALS ?? "iot-data-plane-local";
  if (cached?.secret !== secret) cached = { secret, key: importTokenKey(secret) };
  return cached.key;
}

export async function sealPageToken(env: Env, payload: Record<string, unknown>): Promise<string> {
  return encodePageToken(payload, await tokenKey(env));
}

export async function openPageToken(env: Env, token: string): Promise<Record<string, unknown>> {
  return decodePageToken(token, await tokenKey(env));
}
