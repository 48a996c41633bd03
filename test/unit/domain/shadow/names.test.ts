import { describe, expect, it } from "vitest";
import { validateShadowName, validateThingName } from "../../../../src/domain/shadow";
import { expectServiceError } from "./support";

// Smithy iot-data-plane model: thingName 1–128 [a-zA-Z0-9:_-]+, shadowName 1–64 [$a-zA-Z0-9:_-]+.
// The texts follow the Greengrass shadow manager; the cloud's are unverified.
describe("validateThingName", () => {
  it.each(["a", "Lamp-01", "a:b_c-d", "x".repeat(128)])("accepts %s", (name) => {
    expect(() => validateThingName(name)).not.toThrow();
  });

  it.each([
    ["empty", "", "ThingName is missing"],
    ["129 characters", "x".repeat(129), "ThingName has a maximum length of 128"],
    ["a space", "a b", "ThingName must match pattern [a-zA-Z0-9:_-]+"],
    ["a slash (would split topics)", "a/b", "ThingName must match pattern [a-zA-Z0-9:_-]+"],
    ["an MQTT wildcard", "a+", "ThingName must match pattern [a-zA-Z0-9:_-]+"],
    ["a dollar sign", "$lamp", "ThingName must match pattern [a-zA-Z0-9:_-]+"],
    ["a non-ASCII letter", "lampé", "ThingName must match pattern [a-zA-Z0-9:_-]+"],
  ])("rejects a name that is %s", (_behaviour, name, message) => {
    expectServiceError(() => validateThingName(name), "InvalidRequest", message);
  });
});

describe("validateShadowName", () => {
  it.each(["s", "config:v2_a-b", "x".repeat(64), "$package", "a$b"])("accepts %s", (name) => {
    expect(() => validateShadowName(name)).not.toThrow();
  });

  it.each([
    ["empty", "", "ShadowName is missing"],
    ["65 characters", "x".repeat(65), "ShadowName has a maximum length of 64"],
    ["a space", "a b", "ShadowName must match pattern [$a-zA-Z0-9:_-]+"],
    ["a slash", "a/b", "ShadowName must match pattern [$a-zA-Z0-9:_-]+"],
    ["a $ name AWS does not reserve", "$foo", "ShadowName starting with '$' is reserved"],
    ["a lone $", "$", "ShadowName starting with '$' is reserved"],
    ["$package in another case", "$Package", "ShadowName starting with '$' is reserved"],
  ])("rejects a name that is %s", (_behaviour, name, message) => {
    expectServiceError(() => validateShadowName(name), "InvalidRequest", message);
  });
});
