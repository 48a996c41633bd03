import { expect } from "vitest";
import type { ErrorKind } from "../../../../src/domain/errors";
import { ServiceError } from "../../../../src/domain/errors";
import type { StoredShadow, UpdateResult } from "../../../../src/domain/shadow";
import { applyShadowUpdate, parseUpdateRequest } from "../../../../src/domain/shadow";

const encoder = new TextEncoder();

/** A payload as it arrives from HTTP or MQTT: a string is sent as is, anything else as JSON. */
export const payload = (body: unknown): Uint8Array => encoder.encode(typeof body === "string" ? body : JSON.stringify(body));

/** Parses and applies a request document, like the HTTP and MQTT update paths do. */
export const update = (current: StoredShadow | null, body: unknown, now: number, deletedVersion?: number): UpdateResult =>
  applyShadowUpdate(current, parseUpdateRequest(payload(body)), now, deletedVersion);

/** Applies a sequence of request documents to a new shadow, one second apart from `start`. */
export function updates(bodies: unknown[], start = 1000): StoredShadow | null {
  let shadow: StoredShadow | null = null;
  bodies.forEach((body, i) => {
    shadow = update(shadow, body, start + i).shadow;
  });
  return shadow;
}

export function expectServiceError(action: () => unknown, kind: ErrorKind, message: string): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ServiceError);
  expect(thrown).toMatchObject({ kind, message });
}
