import { describe, expect, it } from "vitest";
import {
  parseCreatePackageInput,
  parseCreatePackageVersionInput,
  parseListPackagesQuery,
  parseListPackageVersionsQuery,
  parseUpdatePackageConfigurationInput,
  parseUpdatePackageInput,
  parseUpdatePackageVersionInput,
  validateClientToken,
  validatePackageName,
  validateVersionName,
} from "../../../../src/domain/controlplane/packageInput";
import { errorOf } from "../../../helpers/errors";

/** Every package-operation input rule is ValidationException [MI]. */
function expectValidation(fn: () => unknown, message?: RegExp): void {
  const error = errorOf(fn);
  expect(error.kind).toBe("Validation");
  if (message) expect(error.message).toMatch(message);
}

describe("package and version names (^[a-zA-Z0-9-_.]+$; 1–128 and 1–64) [MI]", () => {
  it.each([
    ["a", true, true],
    ["my-package_1.0", true, true],
    ["x".repeat(64), true, true],
    ["x".repeat(65), true, false],
    ["x".repeat(128), true, false],
    ["x".repeat(129), false, false],
    ["", false, false],
    ["has space", false, false],
    ["slash/ed", false, false],
    ["colon:ed", false, false],
    ["plus+", false, false],
  ])("%j: package=%s version=%s", (name, packageOk, versionOk) => {
    if (packageOk) expect(() => validatePackageName(name)).not.toThrow();
    else expectValidation(() => validatePackageName(name), /packageName/);
    if (versionOk) expect(() => validateVersionName(name)).not.toThrow();
    else expectValidation(() => validateVersionName(name), /versionName/);
  });
});

describe("clientToken (^\\S{36,64}$) [MI]", () => {
  it.each([
    [undefined, true],
    ["a".repeat(36), true],
    ["ec944cfb-1e3c-49ac-97de-9dc4aaad0039", true],
    ["a".repeat(64), true],
    ["a".repeat(35), false],
    ["a".repeat(65), false],
    [`${"a".repeat(20)} ${"a".repeat(20)}`, false],
  ])("%j valid=%s", (token, valid) => {
    if (valid) expect(() => validateClientToken(token)).not.toThrow();
    else expectValidation(() => validateClientToken(token), /clientToken/);
  });
});

describe("descriptions (0–1024, no \\p{C})", () => {
  const parsers = [
    ["CreatePackage", parseCreatePackageInput],
    ["UpdatePackage", parseUpdatePackageInput],
    ["CreatePackageVersion", parseCreatePackageVersionInput],
    ["UpdatePackageVersion", parseUpdatePackageVersionInput],
  ] as const;

  it.each(parsers)("%s accepts 0 and 1024 characters", (_op, parse) => {
    expect(parse({ description: "" })).toEqual({ description: "" });
    expect(parse({ description: "d".repeat(1024) })).toEqual({ description: "d".repeat(1024) });
  });

  it.each(parsers)("%s refuses 1025 characters, control characters and non-strings", (_op, parse) => {
    expectValidation(() => parse({ description: "d".repeat(1025) }), /description.*less than or equal to 1024/);
    expectValidation(() => parse({ description: "tab\there" }), /description.*control/);
    expectValidation(() => parse({ description: "\u0000" }), /description/);
    expectValidation(() => parse({ description: 1 }), /description.*string/);
  });
});

describe("attributes (keys ^[a-zA-Z0-9:_-]+$, values min 1 without \\p{C}, ≤ 3 KB in all)", () => {
  it.each([parseCreatePackageVersionInput, parseUpdatePackageVersionInput])("accepts valid attributes (%#)", (parse) => {
    expect(parse({ attributes: { "os:name": "linux", build_id: "42", "x-y": "ü" } })).toEqual({
      attributes: { "os:name": "linux", build_id: "42", "x-y": "ü" },
    });
  });

  it.each<[string, unknown, RegExp]>([
    ["a key with a dot", { "a.b": "v" }, /attributes\.key.*pattern/],
    ["an empty key", { "": "v" }, /attributes\.key/],
    ["an empty value", { k: "" }, /attributes\.k.*greater than or equal to 1/],
    ["a value with a newline", { k: "a\nb" }, /attributes\.k.*control/],
    ["a non-string value", { k: 1 }, /attributes\.k.*string/],
    ["a list", ["a"], /attributes.*structure/],
  ])("refuses %s", (_name, attributes, message) => {
    expectValidation(() => parseCreatePackageVersionInput({ attributes }), message);
    expectValidation(() => parseUpdatePackageVersionInput({ attributes }), message);
  });

  it("counts the 3 KB limit as UTF-8 bytes of keys plus values [seed]", () => {
    // "k" + 3071 bytes = 3072: the limit itself is allowed.
    expect(() => parseCreatePackageVersionInput({ attributes: { k: "v".repeat(3071) } })).not.toThrow();
    expectValidation(() => parseCreatePackageVersionInput({ attributes: { k: "v".repeat(3072) } }), /3072 bytes \(got 3073\)/);
    // Two keys: 2 + 1 + (1535 + 1535) = 3073 bytes in all, though each value alone is small.
    expectValidation(() => parseUpdatePackageVersionInput({ attributes: { a: "v".repeat(1535), b: "v".repeat(1536) } }), /got 3073/);
    // "é" is 2 bytes in UTF-8: 1 + 2 × 1536 = 3073 bytes with only 1537 characters.
    expectValidation(() => parseCreatePackageVersionInput({ attributes: { k: "é".repeat(1536) } }), /got 3073/);
  });

  it("keeps a key named __proto__ as data", () => {
    const input = parseCreatePackageVersionInput(JSON.parse('{"attributes":{"__proto__":"x"}}'));
    expect(Object.getPrototypeOf(input.attributes)).toBe(Object.prototype);
    expect(Object.entries(input.attributes ?? {})).toEqual([["__proto__", "x"]]);
  });
});

describe("recipe (0–3072) and artifact ({s3Location})", () => {
  it("accepts recipes of 0 and 3072 characters and refuses 3073", () => {
    expect(parseCreatePackageVersionInput({ recipe: "" })).toEqual({ recipe: "" });
    expect(parseUpdatePackageVersionInput({ recipe: "r".repeat(3072) })).toEqual({ recipe: "r".repeat(3072) });
    expectValidation(() => parseCreatePackageVersionInput({ recipe: "r".repeat(3073) }), /recipe.*3072/);
  });

  it("reads an artifact location and refuses one without bucket or key", () => {
    const artifact = { s3Location: { bucket: "b", key: "k", version: "1" } };
    expect(parseCreatePackageVersionInput({ artifact })).toEqual({ artifact });
    expectValidation(() => parseUpdatePackageVersionInput({ artifact: { s3Location: { bucket: "b" } } }), /artifact\.s3Location\.key/);
    expectValidation(() => parseUpdatePackageVersionInput({ artifact: {} }), /artifact\.s3Location/);
  });
});

describe("tags (map of 1–50 entries)", () => {
  const tags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, `v${i}`]));

  it.each([parseCreatePackageInput, parseCreatePackageVersionInput])("accepts 1 and 50 entries and refuses 0 and 51 (%#)", (parse) => {
    expect(parse({ tags: tags(1) })).toEqual({ tags: tags(1) });
    expect(parse({ tags: tags(50) })).toEqual({ tags: tags(50) });
    expectValidation(() => parse({ tags: {} }), /tags.*greater than or equal to 1/);
    expectValidation(() => parse({ tags: tags(51) }), /tags.*less than or equal to 50/);
  });

  it("checks tag keys and values", () => {
    expectValidation(() => parseCreatePackageInput({ tags: { "a*": "v" } }), /tags\.key.*pattern/);
    expectValidation(() => parseCreatePackageInput({ tags: { ["k".repeat(129)]: "v" } }), /tags\.key.*128/);
    expectValidation(() => parseCreatePackageInput({ tags: { k: "v".repeat(257) } }), /tags\.k.*256/);
    expect(parseCreatePackageInput({ tags: { ["k".repeat(128)]: "v".repeat(256) } }).tags).toBeDefined();
  });
});

describe("enums", () => {
  it("accepts action PUBLISH and DEPRECATE only", () => {
    expect(parseUpdatePackageVersionInput({ action: "PUBLISH" })).toEqual({ action: "PUBLISH" });
    expect(parseUpdatePackageVersionInput({ action: "DEPRECATE" })).toEqual({ action: "DEPRECATE" });
    expectValidation(() => parseUpdatePackageVersionInput({ action: "publish" }), /action.*enum/);
    expectValidation(() => parseUpdatePackageVersionInput({ action: "DRAFT" }), /action.*enum/);
  });

  it("accepts the status filter DRAFT, PUBLISHED, DEPRECATED only", () => {
    for (const status of ["DRAFT", "PUBLISHED", "DEPRECATED"]) expect(parseListPackageVersionsQuery({ status })).toEqual({ status });
    expectValidation(() => parseListPackageVersionsQuery({ status: "ARCHIVED" }), /status.*enum/);
  });
});

describe("UpdatePackage input", () => {
  it("reads description, defaultVersionName and unsetDefaultVersion", () => {
    expect(parseUpdatePackageInput({ defaultVersionName: "1.0", unsetDefaultVersion: false })).toEqual({
      defaultVersionName: "1.0",
      unsetDefaultVersion: false,
    });
    expect(parseUpdatePackageInput({ unsetDefaultVersion: true })).toEqual({ unsetDefaultVersion: true });
  });

  it("refuses naming a default and unsetting it in one request [MI member docs]", () => {
    expectValidation(() => parseUpdatePackageInput({ defaultVersionName: "1.0", unsetDefaultVersion: true }), /unsetDefaultVersion/);
  });

  it("validates defaultVersionName as a version name and unsetDefaultVersion as a boolean", () => {
    expectValidation(() => parseUpdatePackageInput({ defaultVersionName: "bad name" }), /defaultVersionName/);
    expectValidation(() => parseUpdatePackageInput({ defaultVersionName: "v".repeat(65) }), /defaultVersionName/);
    expectValidation(() => parseUpdatePackageInput({ unsetDefaultVersion: "true" }), /unsetDefaultVersion.*boolean/);
  });
});

describe("UpdatePackageConfiguration input", () => {
  it("reads versionUpdateByJobsConfig", () => {
    expect(parseUpdatePackageConfigurationInput({})).toEqual({});
    expect(parseUpdatePackageConfigurationInput({ versionUpdateByJobsConfig: { enabled: true, roleArn: "r".repeat(20) } })).toEqual({
      versionUpdateByJobsConfig: { enabled: true, roleArn: "r".repeat(20) },
    });
  });

  it("refuses a non-boolean enabled and a roleArn outside 20–2048", () => {
    expectValidation(() => parseUpdatePackageConfigurationInput({ versionUpdateByJobsConfig: { enabled: "yes" } }), /enabled/);
    expectValidation(() => parseUpdatePackageConfigurationInput({ versionUpdateByJobsConfig: { roleArn: "short" } }), /roleArn/);
  });
});

describe("list queries (maxResults 1–100)", () => {
  it.each([["1"], ["100"]])("accepts maxResults=%s", (maxResults) => {
    expect(parseListPackagesQuery({ maxResults, nextToken: "n" })).toEqual({ maxResults: Number(maxResults), nextToken: "n" });
  });

  it.each([["0"], ["101"], ["abc"]])("refuses maxResults=%s", (maxResults) => {
    expectValidation(() => parseListPackagesQuery({ maxResults }), /maxResults/);
    expectValidation(() => parseListPackageVersionsQuery({ maxResults }), /maxResults/);
  });
});

describe("request bodies", () => {
  it("reads an absent body as no members and refuses a non-object", () => {
    expect(parseCreatePackageInput(undefined)).toEqual({});
    expect(parseUpdatePackageVersionInput(null)).toEqual({});
    expectValidation(() => parseCreatePackageInput("text"), /body/);
  });
});
