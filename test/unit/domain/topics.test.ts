import { describe, expect, it } from "vitest";
import { ServiceError } from "../../../src/domain/errors";
import {
  isBasicIngestTopic,
  isValidTopicFilter,
  matchesTopicFilter,
  parseRequestTopic,
  type ReservedTopic,
  shadowTopicPrefix,
  TOPIC_LIMITS,
  thingOfTopic,
  validatePublishTopic,
  validateTopicFilter,
} from "../../../src/domain/topics";

function invalidRequestMessage(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).kind).toBe("InvalidRequest");
    return (error as ServiceError).message;
  }
  throw new Error("expected an InvalidRequest ServiceError, nothing was thrown");
}

const slashes = (count: number) => Array.from({ length: count + 1 }, (_, i) => `l${i}`).join("/");

describe("TOPIC_LIMITS", () => {
  it("states the AWS IoT quotas: 256 bytes, 7 slashes", () => {
    expect(TOPIC_LIMITS).toEqual({ maxBytes: 256, maxSlashes: 7, maxFilterBytes: 256 });
  });
});

describe("validatePublishTopic", () => {
  const valid: { topic: string; why: string }[] = [
    { topic: "sensor/temperature/room1", why: "ordinary hierarchical topic" },
    { topic: "a", why: "a single character" },
    { topic: "/", why: "two empty levels [MQTT-4.7.3-1 only forbids zero length]" },
    { topic: "a//b", why: "an empty level in the middle" },
    { topic: "a/", why: "a trailing slash (empty last level)" },
    { topic: slashes(7), why: "exactly 7 slashes (AWS quota)" },
    { topic: "x".repeat(256), why: "exactly 256 ASCII bytes" },
    { topic: "é".repeat(128), why: "128 two-byte characters = 256 bytes" },
    { topic: "😀".repeat(64), why: "64 four-byte characters (surrogate pairs) = 256 bytes" },
    { topic: "$aws/things/lamp/shadow/get", why: "classic shadow get request" },
    { topic: "$aws/things/lamp/shadow/update", why: "classic shadow update request" },
    { topic: "$aws/things/lamp/shadow/delete", why: "classic shadow delete request" },
    { topic: "$aws/things/lamp/shadow/name/cfg/update", why: "named shadow request" },
    { topic: "$aws/things/lamp/shadow/name/$package/get", why: "the reserved $package named shadow" },
    { topic: "$aws/things/Thing-1:a_b/shadow/update", why: "every character allowed in a thing name" },
    { topic: "$aws/things/lamp/streams/fw-1_a/describe/json", why: "stream describe (JSON)" },
    { topic: "$aws/things/lamp/streams/fw/get/cbor", why: "stream get (CBOR)" },
    { topic: "$aws/rules/my_rule", why: "Basic Ingest topic [DG:iot-basic-ingest]" },
    { topic: `$aws/rules/my_rule/${slashes(7)}`, why: "10 slashes, but the Basic Ingest prefix's 3 are not counted" },
  ];
  it.each(valid)("accepts $topic ($why)", ({ topic }) => {
    expect(() => validatePublishTopic(topic)).not.toThrow();
  });

  const invalid: { topic: string; retain?: boolean; message: RegExp; why: string }[] = [
    { topic: "", message: /must not be empty/, why: "[MQTT-4.7.3-1] empty topic" },
    { topic: "a\u0000b", message: /null character/, why: "[MQTT-4.7.3-2] NUL" },
    { topic: "a/\uD800", message: /well-formed UTF-8/, why: "[MQTT-1.5.3-1] lone high surrogate" },
    { topic: "\uDC00a", message: /well-formed UTF-8/, why: "[MQTT-1.5.3-1] lone low surrogate" },
    { topic: "x".repeat(257), message: /256 bytes.*got 257/, why: "257 ASCII bytes" },
    { topic: "é".repeat(129), message: /256 bytes.*got 258/, why: "129 chars but 258 bytes: bytes count" },
    { topic: `${"x".repeat(253)}😀`, message: /got 257/, why: "a surrogate pair is 4 bytes, not 2 code units" },
    { topic: slashes(8), message: /more than 7 forward slashes/, why: "8 slashes" },
    { topic: `$aws/rules/my_rule/${slashes(8)}`, message: /more than 7/, why: "8 slashes after Basic Ingest prefix" },
    { topic: "sensor/+", message: /wildcard/, why: "[MQTT-3.3.2-2] '+' in a topic name" },
    { topic: "sensor/#", message: /wildcard/, why: "[MQTT-3.3.2-2] '#' in a topic name" },
    { topic: "a+b", message: /wildcard/, why: "'+' inside a level is still a wildcard character" },
    { topic: "$aws/things/lamp/shadow/update/accepted", message: /reserved topic/, why: "service-only reply topic" },
    { topic: "$aws/things/lamp/shadow/update/delta", message: /reserved topic/, why: "service-only delta topic" },
    { topic: "$aws/things/lamp/shadow/name/cfg/get/accepted", message: /reserved topic/, why: "named reply topic" },
    { topic: "$aws/things/lamp/streams/fw/data/json", message: /reserved topic/, why: "stream data is service-only" },
    { topic: "$aws/things/lamp/streams/fw/get/xml", message: /reserved topic/, why: "unknown stream format" },
    { topic: "$aws/things/lamp/jobs/get", message: /reserved topic/, why: "a reserved service we do not implement" },
    { topic: "$aws/things/a.b/shadow/update", message: /reserved topic/, why: "'.' is not allowed in thing names" },
    { topic: `$aws/things/${"t".repeat(129)}/shadow/get`, message: /reserved topic/, why: "thing name over 128" },
    { topic: "$AWS/things/lamp/shadow/update", message: /reserved topic/, why: "topics are case-sensitive" },
    { topic: "$aws/rules/bad-rule/x", message: /reserved topic/, why: "'-' is not allowed in rule names" },
    { topic: "$aws/rules/", message: /reserved topic/, why: "Basic Ingest without a rule name" },
    { topic: "$SYS/broker/load", message: /reserved topic/, why: "clients may not create $ topics" },
    { topic: "$", message: /reserved topic/, why: "a bare '$'" },
    {
      topic: "$aws/things/lamp/shadow/update",
      retain: true,
      message: /Retained.*reserved/,
      why: "[DG:mqtt] retain on a shadow request",
    },
    { topic: "$aws/rules/my_rule/x", retain: true, message: /Retained.*reserved/, why: "retain on Basic Ingest" },
  ];
  it.each(invalid)("rejects $why", ({ topic, retain, message }) => {
    expect(invalidRequestMessage(() => validatePublishTopic(topic, { retain }))).toMatch(message);
  });

  it("allows retain on ordinary topics (only $ topics are refused)", () => {
    expect(() => validatePublishTopic("sensor/room1", { retain: true })).not.toThrow();
  });
});

describe("validateTopicFilter / isValidTopicFilter", () => {
  const valid: { filter: string; why: string }[] = [
    { filter: "#", why: "[MQTT-4.7.1-2] '#' alone" },
    { filter: "+", why: "[MQTT-4.7.1-3] '+' alone" },
    { filter: "sensor/#", why: "'#' as the last level" },
    { filter: "sensor/+/room1", why: "'+' in the middle" },
    { filter: "+/+", why: "consecutive single-level wildcards" },
    { filter: "/+", why: "leading empty level" },
    { filter: "a//b", why: "empty level" },
    { filter: "a/", why: "trailing slash" },
    { filter: "$aws/things/+/shadow/update/accepted", why: "wildcard thing in a shadow reply filter" },
    { filter: "$aws/things/lamp/shadow/update/#", why: "all update replies of a thing" },
    { filter: "+/+/+/+/+/+/+/#", why: "7 slashes" },
    { filter: "f".repeat(256), why: "256 bytes" },
    { filter: `$aws/rules/r/${slashes(7)}`, why: "Basic Ingest prefix slashes are not counted for filters either" },
  ];
  it.each(valid)("accepts $filter ($why)", ({ filter }) => {
    expect(() => validateTopicFilter(filter)).not.toThrow();
    expect(isValidTopicFilter(filter)).toBe(true);
  });

  const invalid: { filter: string; message: RegExp; why: string }[] = [
    { filter: "", message: /must not be empty/, why: "[MQTT-4.7.3-1] empty filter" },
    { filter: "a/\u0000", message: /null character/, why: "[MQTT-4.7.3-2] NUL" },
    { filter: "a/\uD83D", message: /well-formed UTF-8/, why: "lone surrogate" },
    { filter: "sensor#", message: /'#' must occupy a whole level/, why: "[MQTT-4.7.1-2] '#' inside a level" },
    { filter: "sensor/#/room", message: /'#'.*last character/, why: "[MQTT-4.7.1-2] '#' not last" },
    { filter: "#/a", message: /'#'/, why: "'#' first but not last" },
    { filter: "##", message: /'#'/, why: "'##'" },
    { filter: "sensor+", message: /'\+' must occupy a whole level/, why: "[MQTT-4.7.1-3] '+' at a level's end" },
    { filter: "sensor/+room", message: /'\+'/, why: "[MQTT-4.7.1-3] '+' at a level's start" },
    { filter: "++", message: /'\+'/, why: "'++' in one level" },
    { filter: slashes(8), message: /more than 7 forward slashes/, why: "8 slashes" },
    { filter: "f".repeat(257), message: /256 bytes/, why: "257 bytes" },
    { filter: "é".repeat(129), message: /got 258/, why: "multi-byte characters counted in bytes" },
  ];
  it.each(invalid)("rejects $filter ($why)", ({ filter, message }) => {
    expect(invalidRequestMessage(() => validateTopicFilter(filter))).toMatch(message);
    expect(isValidTopicFilter(filter)).toBe(false);
  });
});

describe("matchesTopicFilter", () => {
  const cases: [filter: string, topic: string, matches: boolean, why: string][] = [
    ["a/b", "a/b", true, "exact match"],
    ["a/b", "a/c", false, "different last level"],
    ["A/b", "a/b", false, "case-sensitive"],
    ["a/b", "a/bc", false, "level prefix is not a match"],
    ["a/bc", "a/b", false, "topic level shorter than filter level"],
    ["a", "a/b", false, "filter shorter than topic"],
    ["a/b", "a", false, "topic shorter than filter"],
    ["+", "a", true, "'+' matches one level"],
    ["+", "a/b", false, "'+' does not match two levels"],
    ["+", "/a", false, "'/a' has two levels"],
    ["+/+", "/a", true, "[MQTT-4.7.1-3] '+' matches the empty first level"],
    ["/+", "/a", true, "leading empty level matched literally"],
    ["a/+", "a/", true, "'+' matches an empty last level"],
    ["a/+", "a", false, "'+' needs the level to exist"],
    ["a/+/c", "a/b/c", true, "'+' in the middle"],
    ["a/+/c", "a//c", true, "'+' matches an empty middle level"],
    ["+/b", "a/b", true, "leading '+'"],
    ["#", "a", true, "'#' matches everything"],
    ["#", "a/b/c", true, "'#' matches every depth"],
    ["#", "/", true, "'#' matches empty levels"],
    ["a/#", "a/b", true, "'#' matches one child level"],
    ["a/#", "a/b/c", true, "'#' matches deeper levels"],
    ["a/#", "a/", true, "'#' matches the empty child level of 'a/'"],
    ["sensor/#", "sensor", false, "AWS difference: '#' does not match the parent level"],
    ["a/+/#", "a/b", false, "same AWS rule after '+'"],
    ["a/#", "ab/c", false, "'#' level must follow a whole matching level"],
    ["#", "$aws/things/t/shadow/update", false, "[MQTT-4.7.2-1] leading '#' never matches a $ topic"],
    ["+/things/t/shadow/update", "$aws/things/t/shadow/update", false, "[MQTT-4.7.2-1] leading '+' and $"],
    ["+", "$SYS", false, "[MQTT-4.7.2-1] single level $ topic"],
    ["$aws/#", "$aws/things/t", true, "a filter naming '$aws' literally matches"],
    ["a/+", "a/$x", true, "only a leading '$' is special"],
    ["$aws/things/+/shadow/update", "$aws/things/lamp/shadow/update", true, "wildcard thing"],
    ["$aws/things/t/shadow/update/#", "$aws/things/t/shadow/update/accepted", true, "shadow replies under #"],
    ["$aws/things/t/shadow/update/#", "$aws/things/t/shadow/update/delta", true, "delta under #"],
    ["$aws/things/t/shadow/update/#", "$aws/things/t/shadow/update", false, "the request topic is the parent"],
    ["$aws/things/t/shadow/get/+", "$aws/things/t/shadow/get/accepted", true, "SDK v2 style P/get/+ subscription"],
    ["a//b", "a//b", true, "empty level matched literally"],
    ["a//b", "a/b", false, "empty level is a level"],
    ["a/b", "a//b", false, "extra empty level in topic"],
    ["a/+/b", "a//b", true, "'+' matches the empty level"],
    ["a/", "a/", true, "trailing slash on both"],
    ["a/", "a", false, "trailing slash only on filter"],
    ["a", "a/", false, "trailing slash only on topic"],
    ["日本/+", "日本/東京", true, "multi-byte levels"],
    ["😀/#", "😀/a", true, "surrogate pairs compared exactly"],
    ["😀", "😁", false, "surrogate pairs that differ in the low unit"],
  ];
  it.each(cases)("%s vs %s → %s (%s)", (filter, topic, matches) => {
    expect(matchesTopicFilter(filter, topic)).toBe(matches);
  });

  // A second, deliberately naive implementation (split into levels) as an oracle over every small combination:
  // catches index slips the hand-written table could miss.
  function oracle(filter: string, topic: string): boolean {
    if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
    const f = filter.split("/");
    const t = topic.split("/");
    for (let i = 0; i < f.length; i += 1) {
      if (f[i] === "#") return t.length > i; // AWS: needs at least the level '#' stands on
      if (i >= t.length) return false;
      if (f[i] !== "+" && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }
  const combine = (alphabet: string[], maxDepth: number): string[] => {
    let current = alphabet.map((level) => [level]);
    const all = [...current];
    for (let depth = 2; depth <= maxDepth; depth += 1) {
      current = current.flatMap((levels) => alphabet.map((level) => [...levels, level]));
      all.push(...current);
    }
    return all.map((levels) => levels.join("/"));
  };
  const topics = combine(["", "a", "ab", "$s"], 3).filter((topic) => topic !== "");
  const filters = combine(["", "a", "ab", "$s", "+", "#"], 3).filter(isValidTopicFilter);

  it("agrees with a split-based oracle on every small filter/topic pair", () => {
    const disagreements = filters.flatMap((filter) =>
      topics.filter((topic) => matchesTopicFilter(filter, topic) !== oracle(filter, topic)).map((topic) => `${filter} ${topic}`),
    );
    expect(disagreements).toEqual([]);
    expect(filters.length * topics.length).toBeGreaterThan(10_000);
  });

  it("thingOfTopic never hides a subscriber: a matching filter has the topic's thing or null", () => {
    const under = (paths: string[]) => paths.map((path) => `$aws/things/${path}`);
    const thingTopics = under(combine(["t", "u", ""], 3));
    const thingFilters = under(combine(["t", "u", "", "+", "#"], 3)).filter(isValidTopicFilter);
    thingFilters.push("$aws/#", "$aws/+/t/x", "$aws/things/#");
    const violations = thingFilters.flatMap((filter) =>
      thingTopics
        .filter((topic) => matchesTopicFilter(filter, topic))
        .filter((topic) => thingOfTopic(topic) !== null && ![null, thingOfTopic(topic)].includes(thingOfTopic(filter)))
        .map((topic) => `${filter} ${topic}`),
    );
    expect(violations).toEqual([]);
  });
});

describe("parseRequestTopic", () => {
  const requests: [topic: string, parsed: ReservedTopic][] = [
    ["$aws/things/lamp/shadow/get", { kind: "shadow", thingName: "lamp", operation: "get" }],
    ["$aws/things/lamp/shadow/update", { kind: "shadow", thingName: "lamp", operation: "update" }],
    ["$aws/things/lamp/shadow/delete", { kind: "shadow", thingName: "lamp", operation: "delete" }],
    ["$aws/things/lamp/shadow/name/cfg/update", { kind: "shadow", thingName: "lamp", shadowName: "cfg", operation: "update" }],
    ["$aws/things/lamp/shadow/name/$package/get", { kind: "shadow", thingName: "lamp", shadowName: "$package", operation: "get" }],
    [
      "$aws/things/Thing-1:x_y/shadow/name/Shadow:1_a-b/delete",
      { kind: "shadow", thingName: "Thing-1:x_y", shadowName: "Shadow:1_a-b", operation: "delete" },
    ],
    ["$aws/things/name/shadow/name/name/get", { kind: "shadow", thingName: "name", shadowName: "name", operation: "get" }],
    ["$aws/things/lamp/shadow/name/get/get", { kind: "shadow", thingName: "lamp", shadowName: "get", operation: "get" }],
    [
      `$aws/things/${"t".repeat(128)}/shadow/name/${"s".repeat(64)}/get`,
      { kind: "shadow", thingName: "t".repeat(128), shadowName: "s".repeat(64), operation: "get" },
    ],
    [
      "$aws/things/lamp/streams/fw-1_a/describe/json",
      { kind: "stream", thingName: "lamp", streamId: "fw-1_a", operation: "describe", format: "json" },
    ],
    ["$aws/things/lamp/streams/fw/get/cbor", { kind: "stream", thingName: "lamp", streamId: "fw", operation: "get", format: "cbor" }],
  ];
  // toStrictEqual also proves a classic shadow carries no `shadowName` key at all.
  it.each(requests)("parses %s", (topic, parsed) => {
    expect(parseRequestTopic(topic)).toStrictEqual(parsed);
  });

  const notRequests: [topic: string, why: string][] = [
    ["$aws/things/lamp/shadow/update/accepted", "reply topic"],
    ["$aws/things/lamp/shadow/get/rejected", "reply topic"],
    ["$aws/things/lamp/shadow/name/cfg/update/documents", "named reply topic"],
    ["$aws/things/lamp/shadow", "prefix only"],
    ["$aws/things/lamp/shadow/name/cfg", "named prefix only"],
    ["$aws/things/lamp/shadow/name//get", "empty shadow name"],
    ["$aws/things//shadow/get", "empty thing name"],
    ["$aws/things/lamp/shadow/list", "unknown operation"],
    ["$aws/things/lamp/shadow/UPDATE", "operations are case-sensitive"],
    ["$aws/things/lamp/shadow/get/", "trailing slash"],
    ["$aws/things/lamp/shadow/nam/cfg/get", "not the 'name' level"],
    ["$aws/things/a.b/shadow/get", "'.' not allowed in thing names"],
    [`$aws/things/${"t".repeat(129)}/shadow/get`, "thing name over 128"],
    [`$aws/things/lamp/shadow/name/${"s".repeat(65)}/get`, "shadow name over 64"],
    ["$aws/things/lamp/shadow/name/a b/get", "space not allowed in shadow names"],
    ["$aws/things/lamp/streams/fw/data/json", "stream data reply"],
    ["$aws/things/lamp/streams/fw/description/json", "stream description reply"],
    ["$aws/things/lamp/streams/fw/get/xml", "unknown format"],
    ["$aws/things/lamp/streams/fw/get", "missing format"],
    ["$aws/things/lamp/streams/a:b/get/json", "':' not allowed in stream ids"],
    ["$aws/things/lamp/jobs/get", "jobs are not implemented"],
    ["$AWS/things/lamp/shadow/get", "case-sensitive prefix"],
    ["$aws/rules/r/x", "Basic Ingest is not a request the service answers"],
    ["things/lamp/shadow/get", "not a $ topic"],
  ];
  it.each(notRequests)("returns null for %s (%s)", (topic) => {
    expect(parseRequestTopic(topic)).toBeNull();
  });
});

describe("isBasicIngestTopic", () => {
  it.each([
    ["$aws/rules/my_rule", true],
    ["$aws/rules/Rule1/any/thing", true],
    ["$aws/rules/", false],
    ["$aws/rules//x", false],
    ["$aws/rules/bad-name/x", false],
    ["$aws/rulesx/r", false],
    ["aws/rules/r", false],
  ])("%s → %s", (topic, expected) => {
    expect(isBasicIngestTopic(topic)).toBe(expected);
  });
});

describe("shadowTopicPrefix", () => {
  it("builds the classic and named prefixes [DG:device-shadow-mqtt]", () => {
    expect(shadowTopicPrefix("lamp")).toBe("$aws/things/lamp/shadow");
    expect(shadowTopicPrefix("lamp", "cfg")).toBe("$aws/things/lamp/shadow/name/cfg");
  });

  it("round-trips through parseRequestTopic", () => {
    expect(parseRequestTopic(`${shadowTopicPrefix("lamp")}/update`)).toStrictEqual({
      kind: "shadow",
      thingName: "lamp",
      operation: "update",
    });
    expect(parseRequestTopic(`${shadowTopicPrefix("lamp", "$package")}/delete`)).toStrictEqual({
      kind: "shadow",
      thingName: "lamp",
      shadowName: "$package",
      operation: "delete",
    });
  });
});

describe("thingOfTopic", () => {
  it.each([
    ["$aws/things/lamp/shadow/update", "lamp"],
    ["$aws/things/lamp/shadow/update/#", "lamp"],
    ["$aws/things/lamp/#", "lamp"],
    ["$aws/things/lamp/", "lamp"],
    ["$aws/things/lamp/streams/fw/data/json", "lamp"],
    ["$aws/things/+/shadow/update", null],
    ["$aws/things/#", null],
    ["$aws/things/lamp", null],
    ["$aws/things//x", null],
    ["$aws/#", null],
    ["#", null],
    ["sensor/lamp", null],
  ])("%s → %s", (topicOrFilter, thing) => {
    expect(thingOfTopic(topicOrFilter)).toBe(thing);
  });
});
