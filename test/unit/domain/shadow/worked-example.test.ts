import { describe, expect, it } from "vitest";
import { ServiceError } from "../../../../src/domain/errors";
import type { StoredShadow } from "../../../../src/domain/shadow";
import {
  applyShadowUpdate,
  deleteDocument,
  errorDocument,
  extractClientToken,
  parseGetOrDeleteRequest,
  parseUpdateRequest,
  shadowDocument,
  shadowNotFoundMessage,
} from "../../../../src/domain/shadow";
import { expectServiceError, payload } from "./support";

// spec shadow-semantics.md §9: the classic shadow of thing `lamp`, step by step. The documents are
// compared as serialised text, so member order is checked too.
const T1 = 1700000000;
const T2 = 1700000060;
const T3 = 1700000100;
const T4 = 1700000200;
const T5 = 1700000300;
const T6 = 1700000400;

const text = (value: unknown) => JSON.stringify(value);
const apply = (current: StoredShadow | null, body: string, now: number, deletedVersion?: number) =>
  applyShadowUpdate(current, parseUpdateRequest(payload(body)), now, deletedVersion);

describe("§9 worked example", () => {
  // Each step continues from the previous one's stored shadow.
  const step1 = apply(null, '{"state":{"desired":{"color":"red","cfg":{"mode":"auto","levels":[1,2]}}},"clientToken":"t1"}', T1);
  const step2 = apply(step1.shadow, '{"state":{"reported":{"color":"red","cfg":{"mode":"manual","levels":[1,2]},"fw":"1.0"}}}', T2);
  const step4 = apply(step2.shadow, '{"state":{"desired":{"color":null,"cfg":{"mode":null,"levels":[3]}}},"version":2,"clientToken":"t4"}', T4);
  const step6 = apply(step4.shadow, '{"state":{"reported":{"cfg":{"levels":[3]}}}}', T5);

  it("(1) REST update creating the shadow: accepted body, delta = desired, documents without previous", () => {
    expect(text(step1.accepted)).toBe(
      '{"state":{"desired":{"color":"red","cfg":{"mode":"auto","levels":[1,2]}}},"metadata":{"desired":{"color":{"timestamp":1700000000},"cfg":{"mode":{"timestamp":1700000000},"levels":[{"timestamp":1700000000},{"timestamp":1700000000}]}}},"version":1,"timestamp":1700000000,"clientToken":"t1"}',
    );
    expect(text(step1.delta)).toBe(
      '{"version":1,"timestamp":1700000000,"state":{"color":"red","cfg":{"mode":"auto","levels":[1,2]}},"metadata":{"color":{"timestamp":1700000000},"cfg":{"mode":{"timestamp":1700000000},"levels":[{"timestamp":1700000000},{"timestamp":1700000000}]}},"clientToken":"t1"}',
    );
    expect(text(step1.documents)).toBe(
      '{"previous":null,"current":{"state":{"desired":{"color":"red","cfg":{"mode":"auto","levels":[1,2]}}},"metadata":{"desired":{"color":{"timestamp":1700000000},"cfg":{"mode":{"timestamp":1700000000},"levels":[{"timestamp":1700000000},{"timestamp":1700000000}]}}},"version":1},"timestamp":1700000000,"clientToken":"t1"}',
    );
  });

  it("(2) MQTT reported-only update: accepted without token, delta still sent with T1 desired metadata", () => {
    expect(text(step2.accepted)).toBe(
      '{"state":{"reported":{"color":"red","cfg":{"mode":"manual","levels":[1,2]},"fw":"1.0"}},"metadata":{"reported":{"color":{"timestamp":1700000060},"cfg":{"mode":{"timestamp":1700000060},"levels":[{"timestamp":1700000060},{"timestamp":1700000060}]},"fw":{"timestamp":1700000060}}},"version":2,"timestamp":1700000060}',
    );
    expect(text(step2.delta)).toBe(
      '{"version":2,"timestamp":1700000060,"state":{"cfg":{"mode":"auto"}},"metadata":{"cfg":{"mode":{"timestamp":1700000000}}}}',
    );
    expect(step2.documents).toEqual({
      previous: step1.documents.current,
      current: {
        state: step2.shadow.state,
        metadata: step2.shadow.metadata,
        version: 2,
      },
      timestamp: T2,
    });
    expect(Object.keys(step2.shadow.state)).toEqual(["desired", "reported"]);
  });

  it("(3) REST GET: desired, reported, delta and both metadata sections", () => {
    expect(text(shadowDocument(step2.shadow, T3))).toBe(
      '{"state":{"desired":{"color":"red","cfg":{"mode":"auto","levels":[1,2]}},"reported":{"color":"red","cfg":{"mode":"manual","levels":[1,2]},"fw":"1.0"},"delta":{"cfg":{"mode":"auto"}}},"metadata":{"desired":{"color":{"timestamp":1700000000},"cfg":{"mode":{"timestamp":1700000000},"levels":[{"timestamp":1700000000},{"timestamp":1700000000}]}},"reported":{"color":{"timestamp":1700000060},"cfg":{"mode":{"timestamp":1700000060},"levels":[{"timestamp":1700000060},{"timestamp":1700000060}]},"fw":{"timestamp":1700000060}}},"version":2,"timestamp":1700000100}',
    );
  });

  it("(4) versioned update with nested nulls and an array replacement", () => {
    expect(step4.shadow.state.desired).toEqual({ cfg: { levels: [3] } });
    expect(step4.shadow.metadata.desired).toEqual({ cfg: { levels: [{ timestamp: T4 }] } });
    expect(text(step4.accepted)).toBe(
      '{"state":{"desired":{"color":null,"cfg":{"mode":null,"levels":[3]}}},"metadata":{"desired":{"color":{"timestamp":1700000200},"cfg":{"mode":{"timestamp":1700000200},"levels":[{"timestamp":1700000200}]}}},"version":3,"timestamp":1700000200,"clientToken":"t4"}',
    );
    expect(text(step4.delta)).toBe(
      '{"version":3,"timestamp":1700000200,"state":{"cfg":{"levels":[3]}},"metadata":{"cfg":{"levels":[{"timestamp":1700000200}]}},"clientToken":"t4"}',
    );
  });

  it("(5) stale write: 409 Version conflict, /update/rejected echoes the token, shadow stays at version 3", () => {
    const stale = payload('{"state":{"reported":{"fw":"1.1"}},"version":2,"clientToken":"t5"}');
    let rejected: unknown;
    try {
      applyShadowUpdate(step4.shadow, parseUpdateRequest(stale), T5);
    } catch (error) {
      rejected = error;
    }
    if (!(rejected instanceof ServiceError)) throw new Error("the stale write must be rejected");
    expect(rejected).toMatchObject({ kind: "Conflict", message: "Version conflict" });
    expect(text(errorDocument(rejected, undefined, extractClientToken(stale)))).toBe('{"code":409,"message":"Version conflict","clientToken":"t5"}');
    expect(step4.shadow.version).toBe(3);
  });

  it("(6) device catches up: version 4, no delta, desired not cleared [DG:using-device-shadows]", () => {
    expect(step6.shadow.version).toBe(4);
    expect(step6.shadow.state.reported).toEqual({ color: "red", cfg: { mode: "manual", levels: [3] }, fw: "1.0" });
    expect(step6.delta).toBeNull();
    expect(shadowDocument(step6.shadow, T5).state).not.toHaveProperty("delta");
    expect(step6.shadow.state.desired).toEqual({ cfg: { levels: [3] } });
  });

  it("(7) MQTT delete, then 404 for the classic shadow, then re-creation at version 5", () => {
    const { clientToken } = parseGetOrDeleteRequest(payload('{"clientToken":"d1"}'));
    expect(text(deleteDocument(step6.shadow.version, T6, clientToken))).toBe('{"version":4,"timestamp":1700000400,"clientToken":"d1"}');
    const notFound = new ServiceError("ResourceNotFound", shadowNotFoundMessage("lamp"));
    expect(notFound.message).toBe("No shadow exists with name: 'lamp'");
    expect(text(errorDocument(notFound))).toBe('{"code":404,"message":"No shadow exists with name: \'lamp\'"}');
    const recreated = apply(null, '{"state":{"reported":{"fw":"1.0"}}}', T6 + 1, step6.shadow.version);
    expect(recreated.shadow.version).toBe(5);
    expect(recreated.documents.previous).toBeNull();
  });

  it.each([
    ['{"desired":{"a":1}}', "Missing required node: state"],
    ['{"state":{"desired":5}}', "Desired node must be an object"],
    ['{"state":{"desired":{"a":1},"foo":1}}', "State contains an invalid node"],
    [`{"state":{"reported":{"a":1}},"clientToken":"${"x".repeat(65)}"}`, "Invalid clientToken"],
  ])("(8) invalid request %s → 400 %s", (body, message) => {
    expectServiceError(() => parseUpdateRequest(payload(body)), "InvalidRequest", message);
  });

  it("(8) does not echo a token that is itself invalid", () => {
    expect(extractClientToken(payload(`{"state":{"reported":{"a":1}},"clientToken":"${"x".repeat(65)}"}`))).toBeUndefined();
  });
});
