import { type ErrorKind, ServiceError } from "./errors";

/**
 * What crosses a Durable Object RPC boundary: a value or a domain error. Thrown errors lose their class
 * and extra fields when the runtime serializes them, so objects return outcomes and the edge unwraps them.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; kind: ErrorKind; message: string; extra?: Record<string, string> };

export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function failure(error: ServiceError): Outcome<never> {
  return { ok: false, kind: error.kind, message: error.message, ...(error.extra ? { extra: { ...error.extra } } : {}) };
}

/** Runs `fn`, turning a thrown ServiceError into a failed outcome; anything else propagates as an internal error. */
export async function capture<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return success(await fn());
  } catch (error) {
    if (error instanceof ServiceError) return failure(error);
    throw error;
  }
}

export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ServiceError(outcome.kind, outcome.message, outcome.extra);
}
