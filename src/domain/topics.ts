/**
 * The topic grammar of the broker, in one place for the HTTP and the MQTT paths: which topic names clients may
 * publish to, which topic filters they may subscribe with, how a filter matches a name, and which `$aws` topics
 * are requests the service itself answers.
 *
 * Sources: MQTT 3.1.1 §4.7 and MQTT 5 §4.7 (normative statements cited inline); AWS IoT developer guide pages
 * "MQTT topics", "Reserved topics", "AWS IoT differences from MQTT specifications"; AWS IoT Core quotas
 * ("Topic size", "Maximum number of slashes in topic and topic filter"); aws-c-mqtt (the CRT client's
 * AWS IoT Core validation: 256 bytes, 8 segments "not counting any AWS rules prefix").
 */

import { isStreamId } from "./controlplane/streams";
import { ServiceError } from "./errors";
import { isShadowNameSyntax, isThingName } from "./shadow/names";

export const TOPIC_LIMITS: { readonly maxBytes: 256; readonly maxSlashes: 7; readonly maxFilterBytes: number } = {
  maxBytes: 256,
  maxSlashes: 7,
  // AWS states the 256-byte quota for published topic names only; the same ceiling for filters is our choice
  // (every filter a valid thing/shadow name can need fits: the longest shadow reply topic is 233 bytes).
  maxFilterBytes: 256,
};

export type ReservedTopic =
  | { kind: "shadow"; thingName: string; shadowName?: string; operation: "get" | "update" | "delete" }
  | { kind: "stream"; thingName: string; streamId: string; operation: "describe" | "get"; format: "json" | "cbor" };

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

// Rule names from the Smithy model (iot: RuleName); thing, shadow and stream names come from their own modules.
const BASIC_INGEST_TOPIC = /^\$aws\/rules\/[a-zA-Z0-9_]{1,128}(?:\/|$)/;
// Its three slashes are not counted toward the 7-slash quota (AWS IoT Core quotas; aws-c-mqtt skips the same
// prefix for topic names and filters alike).
const BASIC_INGEST_PREFIX = /^\$aws\/rules\/[^/]+\//;
const BASIC_INGEST_PREFIX_SLASHES = 3;

const SHADOW_OPERATIONS = ["get", "update", "delete"] as const;
const STREAM_OPERATIONS = ["describe", "get"] as const;
const STREAM_FORMATS = ["json", "cbor"] as const;
const THINGS_PREFIX = "$aws/things/";

/**
 * Topic names from clients (HTTP Publish, MQTT PUBLISH, Will topics). Throws InvalidRequest with the reason.
 * `retain: true` additionally refuses every `$` topic: AWS IoT does not allow retained messages on reserved topics.
 */
export function validatePublishTopic(topic: string, options?: { retain?: boolean }): void {
  const problem = publishTopicProblem(topic, options?.retain === true);
  if (problem !== null) throw new ServiceError("InvalidRequest", problem);
}

/** MQTT SUBSCRIBE / UNSUBSCRIBE topic filters. Throws InvalidRequest with the reason. */
export function validateTopicFilter(filter: string): void {
  const problem = topicFilterProblem(filter);
  if (problem !== null) throw new ServiceError("InvalidRequest", problem);
}

export function isValidTopicFilter(filter: string): boolean {
  return topicFilterProblem(filter) === null;
}

/** A shared subscription `$share/{group}/{filter}` (MQTT 5 §4.8.2; AWS IoT offers it on MQTT 3.1.1 too). */
export interface SharedFilter {
  group: string;
  filter: string;
}

const SHARE_PREFIX = "$share/";
/** AWS IoT: ShareName ≤ 128 UTF-8 characters, TopicFilter ≤ 256 ([DG:mqtt] "Shared subscriptions"). */
const MAX_SHARE_NAME_CHARS = 128;

/** The group and inner filter of a `$share/…` filter, or null for an ordinary filter (or a malformed shared one). */
export function parseSharedFilter(filter: string): SharedFilter | null {
  if (!filter.startsWith(SHARE_PREFIX)) return null;
  const slash = filter.indexOf("/", SHARE_PREFIX.length);
  if (slash === -1) return null;
  return { group: filter.slice(SHARE_PREFIX.length, slash), filter: filter.slice(slash + 1) };
}

/** The filter a subscription matches topics with: the inner filter of a shared subscription, else itself. */
export const matchingFilter = (filter: string): string => parseSharedFilter(filter)?.filter ?? filter;

/**
 * Filters a client may subscribe with: ordinary filters, and shared ones whose group name has no `/`, `+` or `#`
 * [MQTT-4.8.2-1, 4.8.2-2] and whose inner filter is valid — the `$share/{group}/` prefix's slashes not counted
 * toward the 7-slash quota (AWS IoT).
 */
export function subscriptionFilterProblem(filter: string): string | null {
  if (!filter.startsWith(SHARE_PREFIX)) return topicFilterProblem(filter);
  const shared = parseSharedFilter(filter);
  if (!shared || shared.group === "" || shared.filter === "") return "A shared subscription must be $share/{ShareName}/{TopicFilter}";
  if (/[+#]/.test(shared.group)) return "The ShareName of a shared subscription must not contain '+' or '#'";
  if ([...shared.group].length > MAX_SHARE_NAME_CHARS)
    return `The ShareName of a shared subscription must not be longer than ${MAX_SHARE_NAME_CHARS} characters`;
  return topicFilterProblem(shared.filter);
}

/**
 * Whether a valid topic filter matches a valid topic name. Walks both strings once, level by level, without
 * allocating. The AWS rule that `#` does not match its parent level is the one departure from MQTT.
 */
export function matchesTopicFilter(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] A filter starting with a wildcard never matches a topic name starting with `$`.
  if (topic.charCodeAt(0) === DOLLAR) {
    const first = filter.charCodeAt(0);
    if (first === PLUS || first === HASH) return false;
  }
  const filterLength = filter.length;
  const topicLength = topic.length;
  let f = 0;
  let t = 0;
  // Invariant at the top of the loop: f and t are at the start of a level that exists in both strings
  // (a level may be empty, e.g. between the slashes of `a//b` or after the trailing slash of `a/`).
  for (;;) {
    const unit = filter.charCodeAt(f);
    if (unit === HASH && f + 1 === filterLength) {
      // `#` matches this level and every deeper one [MQTT-4.7.1-2]. Reaching here means the topic has this
      // level, so `sensor/#` matches `sensor/` and `sensor/a/b` but, on AWS IoT, not the parent `sensor`.
      return true;
    }
    if (unit === PLUS && (f + 1 === filterLength || filter.charCodeAt(f + 1) === SLASH)) {
      // `+` matches exactly one level, which may be empty [MQTT-4.7.1-3].
      f += 1;
      while (t < topicLength && topic.charCodeAt(t) !== SLASH) t += 1;
    } else {
      while (f < filterLength && t < topicLength) {
        const filterUnit = filter.charCodeAt(f);
        if (filterUnit === SLASH || filterUnit !== topic.charCodeAt(t)) break;
        f += 1;
        t += 1;
      }
      const filterLevelEnded = f === filterLength || filter.charCodeAt(f) === SLASH;
      const topicLevelEnded = t === topicLength || topic.charCodeAt(t) === SLASH;
      if (!filterLevelEnded || !topicLevelEnded) return false;
    }
    const filterDone = f === filterLength;
    const topicDone = t === topicLength;
    if (filterDone || topicDone) return filterDone && topicDone;
    f += 1; // both stand on a `/`
    t += 1;
  }
}

/**
 * Classifies a client publish topic as a shadow or stream *request* (the topics the service answers), or null.
 * Names must match the service's name patterns; a topic with a malformed name is not a request.
 */
export function parseRequestTopic(topic: string): ReservedTopic | null {
  if (!topic.startsWith(THINGS_PREFIX)) return null;
  const levels = topic.split("/");
  const thingName = levels[2];
  if (thingName === undefined || !isThingName(thingName)) return null;

  // $aws/things/{thing}/shadow/{op}  and  $aws/things/{thing}/shadow/name/{shadow}/{op}  [DG:device-shadow-mqtt]
  if (levels[3] === "shadow") {
    if (levels.length === 5) {
      const operation = levels[4];
      if (!isOneOf(SHADOW_OPERATIONS, operation)) return null;
      return { kind: "shadow", thingName, operation };
    }
    if (levels.length === 7 && levels[4] === "name") {
      const shadowName = levels[5];
      const operation = levels[6];
      if (shadowName === undefined || !isShadowNameSyntax(shadowName)) return null;
      if (!isOneOf(SHADOW_OPERATIONS, operation)) return null;
      return { kind: "shadow", thingName, shadowName, operation };
    }
    return null;
  }

  // $aws/things/{thing}/streams/{streamId}/{describe|get}/{json|cbor}  [DG:mqtt-based-file-delivery-in-devices]
  if (levels[3] === "streams" && levels.length === 7) {
    const streamId = levels[4];
    const operation = levels[5];
    const format = levels[6];
    if (streamId === undefined || !isStreamId(streamId)) return null;
    if (!isOneOf(STREAM_OPERATIONS, operation) || !isOneOf(STREAM_FORMATS, format)) return null;
    return { kind: "stream", thingName, streamId, operation, format };
  }
  return null;
}

/**
 * Basic Ingest topics `$aws/rules/{ruleName}[/...]`: clients may publish to them, but the message goes only to
 * the named rule, never to subscribers ([DG:iot-basic-ingest]). With no rules engine here, an accepted Basic
 * Ingest publish is simply dropped, which is what AWS does when no such rule exists.
 */
export function isBasicIngestTopic(topic: string): boolean {
  return BASIC_INGEST_TOPIC.test(topic);
}

/** `$aws/things/{thing}/shadow` or `$aws/things/{thing}/shadow/name/{shadow}` */
export function shadowTopicPrefix(thingName: string, shadowName?: string): string {
  const classic = `${THINGS_PREFIX}${thingName}/shadow`;
  return shadowName === undefined ? classic : `${classic}/name/${shadowName}`;
}

/**
 * The thing a topic or filter belongs to when it lies under `$aws/things/{thing}/`, else null. A filter whose
 * thing level is a wildcard belongs to no single thing. Every topic that returns thing X can only be matched by
 * filters that return X or null, so an index keyed by this value never misses a subscriber.
 */
export function thingOfTopic(topicOrFilter: string): string | null {
  if (!topicOrFilter.startsWith(THINGS_PREFIX)) return null;
  const end = topicOrFilter.indexOf("/", THINGS_PREFIX.length);
  if (end === -1) return null; // `$aws/things/x` itself is not *under* a thing
  const thing = topicOrFilter.slice(THINGS_PREFIX.length, end);
  if (thing === "" || thing === "+") return null;
  return thing;
}

function isOneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (values as readonly string[]).includes(value);
}

function publishTopicProblem(topic: string, retain: boolean): string | null {
  const common = commonProblem(topic, "Topic name", TOPIC_LIMITS.maxBytes);
  if (common !== null) return common;
  // [MQTT-3.3.2-2] The Topic Name in a PUBLISH packet MUST NOT contain wildcard characters.
  if (topic.includes("+") || topic.includes("#")) {
    return "Topic name must not contain the wildcard characters '+' or '#'";
  }
  if (topic.charCodeAt(0) !== DOLLAR) return null;
  // [DG:mqtt] "Using MQTT retained messages": retained messages are not supported on reserved topics.
  if (retain) return `Retained messages are not allowed on reserved topics (topics that start with '$'): ${topic}`;
  // [DG:reserved-topics] Clients may publish to reserved topics only where the service allows it, and may not
  // create new `$` topics.
  if (parseRequestTopic(topic) === null && !isBasicIngestTopic(topic)) {
    return `Publishing to the reserved topic '${topic}' is not allowed`;
  }
  return null;
}

function topicFilterProblem(filter: string): string | null {
  const common = commonProblem(filter, "Topic filter", TOPIC_LIMITS.maxFilterBytes);
  if (common !== null) return common;
  for (let i = 0; i < filter.length; i += 1) {
    const unit = filter.charCodeAt(i);
    const startsLevel = i === 0 || filter.charCodeAt(i - 1) === SLASH;
    const endsLevel = i + 1 === filter.length || filter.charCodeAt(i + 1) === SLASH;
    // [MQTT-4.7.1-2] `#` must be the last character and occupy a whole level.
    if (unit === HASH && !(startsLevel && i + 1 === filter.length)) {
      return "The multi-level wildcard '#' must occupy a whole level and be the last character of the topic filter";
    }
    // [MQTT-4.7.1-3] `+` must occupy a whole level.
    if (unit === PLUS && !(startsLevel && endsLevel)) {
      return "The single-level wildcard '+' must occupy a whole level of the topic filter";
    }
  }
  return null;
}

/** Rules shared by topic names and filters: non-empty well-formed UTF-8 without NUL, byte and slash quotas. */
function commonProblem(text: string, what: string, maxBytes: number): string | null {
  // [MQTT-4.7.3-1] Topic names and filters must be at least one character long.
  if (text.length === 0) return `${what} must not be empty`;
  // [MQTT-4.7.3-2] Topic names and filters must not include the null character U+0000.
  if (text.includes("\u0000")) return `${what} must not contain the null character (U+0000)`;
  const bytes = utf8ByteLength(text);
  // [MQTT-1.5.3-1] UTF-8 strings must be well-formed; a lone surrogate has no UTF-8 encoding.
  if (bytes === null) return `${what} is not well-formed UTF-8`;
  if (bytes > maxBytes) return `${what} must not be longer than ${maxBytes} bytes of UTF-8 (got ${bytes})`;
  if (countedSlashes(text) > TOPIC_LIMITS.maxSlashes) {
    return `${what} must not contain more than ${TOPIC_LIMITS.maxSlashes} forward slashes ('/')`;
  }
  return null;
}

function countedSlashes(text: string): number {
  let slashes = 0;
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === SLASH) slashes += 1;
  return BASIC_INGEST_PREFIX.test(text) ? slashes - BASIC_INGEST_PREFIX_SLASHES : slashes;
}

/** UTF-8 byte length of a string, or null when it holds a lone surrogate (not encodable as UTF-8). */
function utf8ByteLength(text: string): number | null {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit < 0xd800 || unit > 0xdfff) bytes += 3;
    else if (unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else return null;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
