import { describe, expect, it } from "vitest";
import { createRequestIdentity, requestFingerprint, resolveCreate } from "../../../../src/domain/controlplane/idempotency";
import { ServiceError } from "../../../../src/domain/errors";

const TOKEN = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const identify = (record: { name: string }) => ({ id: record.name, description: `Thing ${record.name}` });

describe("requestFingerprint", () => {
  it("ignores member order at every depth", () => {
    expect(requestFingerprint({ b: 1, a: { d: [1, 2], c: "x" } })).toBe(requestFingerprint({ a: { c: "x", d: [1, 2] }, b: 1 }));
  });

  it("keeps list order and distinguishes values", () => {
    expect(requestFingerprint({ a: [1, 2] })).not.toBe(requestFingerprint({ a: [2, 1] }));
    expect(requestFingerprint({ a: "1" })).not.toBe(requestFingerprint({ a: 1 }));
    expect(requestFingerprint({})).not.toBe(requestFingerprint({ a: "" }));
  });
});

describe("resolveCreate", () => {
  const stored = { name: "n", createRequest: createRequestIdentity(TOKEN, { description: "d", tags: { a: "1", b: "2" } }) };

  it.each<
    [string, { name: string; createRequest: ReturnType<typeof createRequestIdentity> } | undefined, ReturnType<typeof createRequestIdentity>, string]
  >([
    ["nothing stored", undefined, createRequestIdentity(undefined, {}), "create"],
    [
      "same token, same input in another member order",
      stored,
      createRequestIdentity(TOKEN, { tags: { b: "2", a: "1" }, description: "d" }),
      "replay",
    ],
    ["same token, different input", stored, createRequestIdentity(TOKEN, { description: "other" }), "Conflict"],
    ["different token, same input", stored, createRequestIdentity(`${TOKEN}x`, { description: "d", tags: { a: "1", b: "2" } }), "Conflict"],
    ["no token on either side", { name: "n", createRequest: createRequestIdentity(undefined, {}) }, createRequestIdentity(undefined, {}), "Conflict"],
    ["token now, none stored", { name: "n", createRequest: createRequestIdentity(undefined, {}) }, createRequestIdentity(TOKEN, {}), "Conflict"],
  ])("%s → %s", (_name, existing, request, outcome) => {
    if (outcome === "Conflict") {
      let error: unknown;
      try {
        resolveCreate(existing, request, identify);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).kind).toBe("Conflict");
      expect((error as ServiceError).extra).toEqual({ resourceId: "n" });
    } else {
      const resolution = resolveCreate(existing, request, identify);
      expect(resolution.action).toBe(outcome);
      if (resolution.action === "replay") expect(resolution.record).toBe(existing);
    }
  });
});
