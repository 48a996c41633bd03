import { ServiceError } from "../domain/errors";
import { type PolicyDocument, validatePolicyDocument } from "./policy";

/** A caller known to the server: who it is and what its policies allow. */
export interface Principal {
  name: string;
  accessKeyId: string;
  policies: readonly PolicyDocument[];
}

export interface CredentialEntry {
  secretAccessKey: string;
  principal: Principal;
}

/**
 * The configured credentials: `{ "<accessKeyId>": { "secretAccessKey", "principal", "policies": [PolicyDocument] } }`
 * (the IOT_CREDENTIALS secret; config/local-credentials.json locally). Malformed configuration is an internal
 * failure, never a reason to let a request through.
 */
export function parseCredentials(json: string): ReadonlyMap<string, CredentialEntry> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ServiceError("InternalFailure", "Credentials configuration is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ServiceError("InternalFailure", "Credentials configuration must be an object keyed by access key id");
  }
  const entries = new Map<string, CredentialEntry>();
  for (const [accessKeyId, value] of Object.entries(raw)) {
    const entry = value as { secretAccessKey?: unknown; principal?: unknown; policies?: unknown };
    if (typeof entry?.secretAccessKey !== "string" || entry.secretAccessKey === "") {
      throw new ServiceError("InternalFailure", `Credentials for ${accessKeyId} need a secretAccessKey`);
    }
    const policies = Array.isArray(entry.policies) ? entry.policies.map((p) => validatePolicyDocument(p)) : [];
    entries.set(accessKeyId, {
      secretAccessKey: entry.secretAccessKey,
      principal: { name: typeof entry.principal === "string" ? entry.principal : accessKeyId, accessKeyId, policies },
    });
  }
  return entries;
}
