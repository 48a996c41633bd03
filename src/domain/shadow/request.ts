import { ServiceError } from "../errors";
import type { Json, JsonObject } from "./json";
import { getMember, isJsonObject, utf8ByteLength } from "./json";
import { SHADOW_LIMITS } from "./limits";
import { SHADOW_ERROR_MESSAGES as MSG } from "./messages";

/** A validated update request state document [seed4 "Request state documents"]. */
export interface UpdateRequest {
  state: { desired?: JsonObject | null; reported?: JsonObject | null } | null;
  clientToken?: string;
  version?: number;
}

const invalid = (message: string) => new ServiceError("InvalidRequest", message);
// ignoreBOM: false (the default, spelled out for the Workers types) drops a leading UTF-8 BOM.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Checks run in this order: raw size, encoding, JSON, `state` structure, `version`, `clientToken`, then
 * the contents of desired/reported (depth, null array elements). AWS documents the messages but not
 * their precedence when a document breaks several rules.
 */
export function parseUpdateRequest(payload: Uint8Array): UpdateRequest {
  const document = decodeJsonObject(payload);
  const state = parseState(document);
  const version = parseVersion(document);
  const clientToken = parseClientToken(document);
  if (state !== null) {
    for (const section of [state.desired, state.reported]) {
      if (section) validateSectionContents(section);
    }
  }
  return {
    state,
    ...(clientToken !== undefined ? { clientToken } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}

/**
 * `/get` and `/delete` payloads: empty, or a JSON object of which only `clientToken` is read — the v1
 * JS device SDK also sends `version`, which AWS ignores [DG:device-shadow-mqtt].
 */
export function parseGetOrDeleteRequest(payload: Uint8Array): { clientToken?: string } {
  if (payload.byteLength === 0) return {};
  const clientToken = parseClientToken(decodeJsonObject(payload));
  return clientToken !== undefined ? { clientToken } : {};
}

/**
 * The token to echo in a `/rejected` document: only a valid one, and only when the payload was readable
 * JSON (Greengrass does not echo an invalid token; [seed4]: "Present only if a client token was used when
 * publishing valid JSON").
 */
export function extractClientToken(payload: Uint8Array): string | undefined {
  try {
    return parseClientToken(decodeJsonObject(payload));
  } catch {
    return undefined;
  }
}

function decodeJsonObject(payload: Uint8Array): JsonObject {
  if (payload.byteLength > SHADOW_LIMITS.maxPayloadBytes) {
    throw new ServiceError("RequestEntityTooLarge", MSG.payloadTooLarge);
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new ServiceError("UnsupportedDocumentEncoding", MSG.unsupportedEncoding);
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    throw invalid(MSG.invalidJson);
  }
  if (!isJsonObject(parsed)) throw invalid(MSG.invalidJson);
  return parsed;
}

function parseState(document: JsonObject): UpdateRequest["state"] {
  if (!Object.hasOwn(document, "state")) throw invalid(MSG.missingState);
  const state = getMember(document, "state");
  if (state === null) return null;
  if (!isJsonObject(state)) throw invalid(MSG.stateNotObject);
  assertSection(getMember(state, "desired"), MSG.desiredNotObject);
  assertSection(getMember(state, "reported"), MSG.reportedNotObject);
  // `delta` included: clients cannot write it (Greengrass silently drops it; cloud behaviour unverified).
  if (Object.keys(state).some((key) => key !== "desired" && key !== "reported")) {
    throw invalid(MSG.invalidStateNode);
  }
  // Verified above: only desired/reported, each an object or null. Returned as is so that the
  // accepted document can echo it verbatim, member order included.
  return state as UpdateRequest["state"];
}

function assertSection(section: Json | undefined, message: string): void {
  if (section !== undefined && section !== null && !isJsonObject(section)) throw invalid(message);
}

function parseVersion(document: JsonObject): number | undefined {
  if (!Object.hasOwn(document, "version")) return undefined;
  const version = getMember(document, "version");
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 0) {
    throw invalid(MSG.invalidVersion);
  }
  return version;
}

function parseClientToken(document: JsonObject): string | undefined {
  if (!Object.hasOwn(document, "clientToken")) return undefined;
  const token = getMember(document, "clientToken");
  // The limit is in bytes [DG:device-shadow-document]: "ä" counts 2.
  if (typeof token !== "string" || utf8ByteLength(token) > SHADOW_LIMITS.maxClientTokenBytes) {
    throw invalid(MSG.invalidClientToken);
  }
  return token;
}

function validateSectionContents(section: JsonObject): void {
  if (exceedsDepth(section, 1)) throw invalid(MSG.tooDeep);
  // [DG:device-shadow-document]: arrays cannot hold null; the cloud's message is unverified.
  if (containsNullArrayElement(section)) throw invalid(MSG.invalidJson);
}

/**
 * The section object is level 1 and every non-empty object or array below adds one; scalars and empty
 * containers are not counted, so `desired.a.b.c.d.e.f = 1` (six objects) is the deepest accepted
 * document. Counting as the Greengrass shadow manager does (cloud counting unverified). Stops at the
 * first level past the limit, so it never recurses deeper than maxDepth + 1.
 */
function exceedsDepth(value: Json, level: number): boolean {
  const children = Array.isArray(value) ? value : isJsonObject(value) ? Object.values(value) : [];
  if (children.length === 0) return false;
  if (level > SHADOW_LIMITS.maxDepth) return true;
  return children.some((child) => exceedsDepth(child, level + 1));
}

function containsNullArrayElement(value: Json): boolean {
  if (Array.isArray(value)) return value.some((item) => item === null || containsNullArrayElement(item));
  if (isJsonObject(value)) return Object.values(value).some(containsNullArrayElement);
  return false;
}
