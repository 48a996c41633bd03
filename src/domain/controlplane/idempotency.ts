/**
 * Idempotent creates. The package operations are `@idempotent` and carry a `clientToken` that the SDK fills
 * with a fresh UUID when the caller gives none [MI], [seed]. A create that finds its resource already there is a
 * retry only when it repeats the stored token with identical input; it then returns the original resource.
 * Anything else is a ConflictException (the AWS idempotency convention; *unverified* in detail, control-plane.md §3).
 */
import { ServiceError } from "../errors";

/** What a created record remembers about the request that created it. */
export interface CreateRequestIdentity {
  clientToken?: string;
  fingerprint: string;
}

export type CreateResolution<R> = { action: "create" } | { action: "replay"; record: R };

/**
 * A stable text for a parsed input: JSON with object keys sorted at every depth, so member order in the request
 * body does not matter. Inputs are plain JSON values (strings, numbers, booleans, arrays, objects).
 */
export function requestFingerprint(input: unknown): string {
  return JSON.stringify(canonical(input));
}

export function createRequestIdentity(clientToken: string | undefined, input: unknown): CreateRequestIdentity {
  return { ...(clientToken === undefined ? {} : { clientToken }), fingerprint: requestFingerprint(input) };
}

/**
 * Decides a create against whatever already exists under the same name.
 * Throws ConflictException (with `resourceId`, as modelled) when it is not a faithful retry.
 */
export function resolveCreate<R extends { createRequest: CreateRequestIdentity }>(
  existing: R | undefined,
  request: CreateRequestIdentity,
  identify: (record: R) => { id: string; description: string },
): CreateResolution<R> {
  if (existing === undefined) return { action: "create" };
  const resource = identify(existing);
  const stored = existing.createRequest;
  const sameToken = request.clientToken !== undefined && stored.clientToken === request.clientToken;
  if (sameToken && stored.fingerprint === request.fingerprint) return { action: "replay", record: existing };
  const message = sameToken
    ? `clientToken ${request.clientToken} was already used with different parameters for ${resource.description}`
    : `${resource.description} already exists`;
  throw new ServiceError("Conflict", message, { resourceId: resource.id });
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return Object.fromEntries(keys.map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}
