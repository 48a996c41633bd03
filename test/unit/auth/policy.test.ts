import { describe, expect, it } from "vitest";
import {
  ANY_RESOURCE,
  type AuthzRequest,
  evaluatePolicies,
  iotArn,
  type PolicyDecision,
  type PolicyDocument,
  type PolicyVariables,
  validatePolicyDocument,
} from "../../../src/auth";

/**
 * IAM policy evaluation logic (explicit Deny > Allow > implicit deny) with AWS IoT resources and
 * policy variables (Developer Guide "AWS IoT Core policies", "Policy variables",
 * "Retained message policy examples").
 */

const R = "us-east-1";
const A = "123456789012";
const thing = (name: string) => iotArn.thing(R, A, name);
const topic = (name: string) => iotArn.topic(R, A, name);
const filter = (name: string) => iotArn.topicFilter(R, A, name);
const client = (id: string) => iotArn.client(R, A, id);

const allow = (Action: string | string[], Resource: string | string[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", Action, Resource },
});
const deny = (Action: string | string[], Resource: string | string[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action, Resource }],
});

type Case = [string, PolicyDocument[], AuthzRequest, PolicyDecision, PolicyVariables?];

const cases: Case[] = [
  // Basic decisions
  ["no policy: implicit deny", [], { action: "iot:GetThingShadow", resource: thing("t") }, "ImplicitDeny"],
  ["exact allow", [allow("iot:GetThingShadow", thing("t"))], { action: "iot:GetThingShadow", resource: thing("t") }, "Allow"],
  ["allow for another thing", [allow("iot:GetThingShadow", thing("t"))], { action: "iot:GetThingShadow", resource: thing("u") }, "ImplicitDeny"],
  ["allow for another action", [allow("iot:GetThingShadow", thing("t"))], { action: "iot:UpdateThingShadow", resource: thing("t") }, "ImplicitDeny"],
  [
    "explicit deny wins over allow in another policy",
    [allow("iot:*", "*"), deny("iot:DeleteThingShadow", thing("t"))],
    { action: "iot:DeleteThingShadow", resource: thing("t") },
    "ExplicitDeny",
  ],
  [
    "explicit deny wins whatever the order",
    [deny("iot:Publish", topic("secret/*")), allow("iot:Publish", "*")],
    { action: "iot:Publish", resource: topic("secret/x") },
    "ExplicitDeny",
  ],
  [
    "a deny that does not match leaves the allow",
    [allow("iot:*", "*"), deny("iot:Publish", topic("secret/*"))],
    { action: "iot:Publish", resource: topic("public/x") },
    "Allow",
  ],
  [
    "deny alone on a non-matching resource is still an implicit deny",
    [deny("iot:Publish", topic("secret"))],
    { action: "iot:Publish", resource: topic("other") },
    "ImplicitDeny",
  ],
  // Wildcards
  [
    "* covers slashes in a topic",
    [allow("iot:Publish", topic("sensors/*"))],
    { action: "iot:Publish", resource: topic("sensors/room1/temp") },
    "Allow",
  ],
  ["* matches the empty string", [allow("iot:Publish", topic("sensors/*"))], { action: "iot:Publish", resource: topic("sensors/") }, "Allow"],
  [
    "* in the middle",
    [allow("iot:Publish", topic("$aws/things/*/shadow/update"))],
    { action: "iot:Publish", resource: topic("$aws/things/t1/shadow/update") },
    "Allow",
  ],
  ["? matches exactly one character", [allow("iot:Connect", client("dev-?"))], { action: "iot:Connect", resource: client("dev-7") }, "Allow"],
  ["? does not match two", [allow("iot:Connect", client("dev-?"))], { action: "iot:Connect", resource: client("dev-42") }, "ImplicitDeny"],
  ["? does not match none", [allow("iot:Connect", client("dev-?"))], { action: "iot:Connect", resource: client("dev-") }, "ImplicitDeny"],
  ["resource * matches any ARN", [allow("iot:Receive", "*")], { action: "iot:Receive", resource: topic("x") }, "Allow"],
  ["action iot:* matches every IoT action", [allow("iot:*", thing("t"))], { action: "iot:ListNamedShadowsForThing", resource: thing("t") }, "Allow"],
  ["action * matches every action", [allow("*", "*")], { action: "iot:CreateStream", resource: iotArn.stream(R, A, "s1") }, "Allow"],
  ["action prefix wildcard", [allow("iot:*ThingShadow", thing("t"))], { action: "iot:UpdateThingShadow", resource: thing("t") }, "Allow"],
  // MQTT wildcards are literal characters in IoT policies.
  ["+ in a topic filter is literal", [allow("iot:Subscribe", filter("a/+/c"))], { action: "iot:Subscribe", resource: filter("a/+/c") }, "Allow"],
  ["+ does not act as a wildcard", [allow("iot:Subscribe", filter("a/+/c"))], { action: "iot:Subscribe", resource: filter("a/b/c") }, "ImplicitDeny"],
  ["# does not act as a wildcard", [allow("iot:Subscribe", filter("a/#"))], { action: "iot:Subscribe", resource: filter("a/b") }, "ImplicitDeny"],
  // Case
  ["action matching is case-insensitive", [allow("IOT:getthingshadow", thing("t"))], { action: "iot:GetThingShadow", resource: thing("t") }, "Allow"],
  [
    "resource matching is case-sensitive",
    [allow("iot:GetThingShadow", thing("Thing"))],
    { action: "iot:GetThingShadow", resource: thing("thing") },
    "ImplicitDeny",
  ],
  // List forms
  [
    "action list",
    [allow(["iot:Publish", "iot:RetainPublish"], topic("device/sample/configuration"))],
    { action: "iot:RetainPublish", resource: topic("device/sample/configuration") },
    "Allow",
  ],
  ["resource list", [allow("iot:Connect", [client("a"), client("b")])], { action: "iot:Connect", resource: client("b") }, "Allow"],
  [
    "statement list: any matching statement allows",
    [
      {
        Statement: [
          { Effect: "Allow", Action: "iot:Connect", Resource: client("a") },
          { Effect: "Allow", Action: "iot:Publish", Resource: topic("t") },
        ],
      },
    ],
    { action: "iot:Publish", resource: topic("t") },
    "Allow",
  ],
  // Policy variables
  [
    "${iot:ClientId} substituted",
    [allow("iot:Connect", client("${iot:ClientId}"))],
    { action: "iot:Connect", resource: client("dev1") },
    "Allow",
    { clientId: "dev1" },
  ],
  [
    "${iot:ClientId} for another client",
    [allow("iot:Connect", client("${iot:ClientId}"))],
    { action: "iot:Connect", resource: client("dev2") },
    "ImplicitDeny",
    { clientId: "dev1" },
  ],
  [
    "unknown ${iot:ClientId} makes the statement not match",
    [allow("iot:Connect", client("${iot:ClientId}"))],
    { action: "iot:Connect", resource: client("dev1") },
    "ImplicitDeny",
  ],
  [
    "unknown variable in a Deny does not deny",
    [allow("iot:Publish", "*"), deny("iot:Publish", topic("${iot:ClientId}/*"))],
    { action: "iot:Publish", resource: topic("dev1/x") },
    "Allow",
  ],
  [
    "an unsupported variable matches nothing",
    [allow("iot:Publish", topic("${iot:Certificate.Subject.CommonName}"))],
    { action: "iot:Publish", resource: topic("x") },
    "ImplicitDeny",
    { clientId: "x" },
  ],
  [
    "substituted text is literal: a client id of * is not a wildcard",
    [allow("iot:Publish", topic("${iot:ClientId}/data"))],
    { action: "iot:Publish", resource: topic("victim/data") },
    "ImplicitDeny",
    { clientId: "*" },
  ],
  [
    "${iot:Connection.Thing.ThingName} substituted next to a wildcard",
    [allow("iot:Publish", topic("$aws/things/${iot:Connection.Thing.ThingName}/shadow/*"))],
    { action: "iot:Publish", resource: topic("$aws/things/t/shadow/update") },
    "Allow",
    { thingName: "t" },
  ],
  [
    "${iot:Connection.Thing.ThingName} for another thing",
    [allow("iot:Publish", topic("$aws/things/${iot:Connection.Thing.ThingName}/shadow/*"))],
    { action: "iot:Publish", resource: topic("$aws/things/other/shadow/update") },
    "ImplicitDeny",
    { thingName: "t" },
  ],
  ["${*} is a literal *", [allow("iot:Publish", topic("a${*}b"))], { action: "iot:Publish", resource: topic("a*b") }, "Allow"],
  ["${*} does not act as a wildcard", [allow("iot:Publish", topic("a${*}b"))], { action: "iot:Publish", resource: topic("axb") }, "ImplicitDeny"],
  // Account-wide action: "The resource ARN specified for [iot:ListRetainedMessages] must be *".
  [
    "ListRetainedMessages with resource *",
    [allow("iot:ListRetainedMessages", "*")],
    { action: "iot:ListRetainedMessages", resource: ANY_RESOURCE },
    "Allow",
  ],
  [
    "ListRetainedMessages is not granted by a topic ARN",
    [allow("iot:ListRetainedMessages", topic("*"))],
    { action: "iot:ListRetainedMessages", resource: ANY_RESOURCE },
    "ImplicitDeny",
  ],
];

describe("evaluatePolicies", () => {
  it.each(cases)("%s", (_, policies, req, expected, vars) => {
    expect(evaluatePolicies(policies, req, vars)).toBe(expected);
  });

  it("stays fast on a pathological wildcard pattern", () => {
    const started = performance.now();
    const policy = allow("iot:Publish", topic("*a*a*a*a*a*a*a*a*a*b"));
    expect(evaluatePolicies([policy], { action: "iot:Publish", resource: topic("a".repeat(5000)) })).toBe("ImplicitDeny");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("iotArn", () => {
  it.each([
    [iotArn.thing(R, A, "t"), "arn:aws:iot:us-east-1:123456789012:thing/t"],
    [iotArn.topic(R, A, "a/b"), "arn:aws:iot:us-east-1:123456789012:topic/a/b"],
    [iotArn.topicFilter(R, A, "a/+/#"), "arn:aws:iot:us-east-1:123456789012:topicfilter/a/+/#"],
    [iotArn.client(R, A, "c1"), "arn:aws:iot:us-east-1:123456789012:client/c1"],
    [iotArn.stream(R, A, "s1"), "arn:aws:iot:us-east-1:123456789012:stream/s1"],
    [iotArn.package(R, A, "p"), "arn:aws:iot:us-east-1:123456789012:package/p"],
    [iotArn.packageVersion(R, A, "p", "1.0"), "arn:aws:iot:us-east-1:123456789012:package/p/version/1.0"],
  ])("%s", (arn, expected) => {
    expect(arn).toBe(expected);
  });
});

describe("validatePolicyDocument", () => {
  it("accepts the retained-message example from the developer guide", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Connect"], Resource: ["arn:aws:iot:us-east-1:123456789012:client/device1"] },
        {
          Effect: "Allow",
          Action: ["iot:Publish", "iot:RetainPublish"],
          Resource: ["arn:aws:iot:us-east-1:123456789012:topic/device/sample/configuration"],
        },
      ],
    };
    expect(validatePolicyDocument(doc)).toEqual(doc);
  });

  it("keeps a single statement object as an object and drops Sid", () => {
    expect(validatePolicyDocument({ Statement: { Sid: "s", Effect: "Deny", Action: "*", Resource: "*" } })).toEqual({
      Statement: { Effect: "Deny", Action: "*", Resource: "*" },
    });
  });

  it.each([
    ["null", null, "the document must be a JSON object"],
    ["an array", [], "the document must be a JSON object"],
    ["no Statement", { Version: "2012-10-17" }, "missing Statement"],
    ["an empty Statement list", { Statement: [] }, "Statement must not be empty"],
    ["an unknown version", { Version: "2020-01-01", Statement: [] }, "Version must be"],
    ["an unknown top-level element", { Statement: [], Foo: 1 }, "unknown element 'Foo'"],
    ["a lower-case effect", { Statement: { Effect: "allow", Action: "*", Resource: "*" } }, "Effect must be 'Allow' or 'Deny'"],
    ["a missing Action", { Statement: { Effect: "Allow", Resource: "*" } }, "Statement[0].Action must be"],
    ["an empty Resource list", { Statement: { Effect: "Allow", Action: "*", Resource: [] } }, "Statement[0].Resource must be"],
    ["a non-string action", { Statement: { Effect: "Allow", Action: [1], Resource: "*" } }, "Statement[0].Action must be"],
    // Ignoring these would silently widen what a policy allows.
    ["a Condition", { Statement: { Effect: "Allow", Action: "*", Resource: "*", Condition: {} } }, "'Condition' is not supported"],
    ["a NotResource", { Statement: { Effect: "Deny", Action: "*", NotResource: "*" } }, "'NotResource' is not supported"],
    ["a NotAction", { Statement: { Effect: "Allow", NotAction: "iot:Connect", Resource: "*" } }, "'NotAction' is not supported"],
    ["an unknown statement element", { Statement: { Effect: "Allow", Action: "*", Resource: "*", Extra: 1 } }, "unknown element 'Extra'"],
  ])("refuses %s", (_, doc, message) => {
    expect(() => validatePolicyDocument(doc)).toThrow(expect.objectContaining({ kind: "InvalidRequest", message: expect.stringContaining(message) }));
  });
});
