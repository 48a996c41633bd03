import { type CredentialEntry, type Principal, parseCredentials } from "../auth/credentials";
import { ServiceError } from "../domain/errors";

let parsed: { source: string; entries: ReadonlyMap<string, CredentialEntry> } | undefined;

/** The configured credentials, parsed once per isolate. No configuration ⇒ nobody gets in (fail closed). */
export function configuredCredentials(env: Env): ReadonlyMap<string, CredentialEntry> {
  const source = env.IOT_CREDENTIALS;
  if (!source) {
    console.error("IOT_CREDENTIALS is not configured: refusing every request");
    throw new ServiceError("Forbidden", "The security token included in the request is invalid.");
  }
  if (parsed?.source !== source) parsed = { source, entries: parseCredentials(source) };
  return parsed.entries;
}

export function principalOf(env: Env, accessKeyId: string): Principal {
  const entry = configuredCredentials(env).get(accessKeyId);
  if (!entry) throw new ServiceError("Forbidden", "The security token included in the request is invalid.");
  return entry.principal;
}
