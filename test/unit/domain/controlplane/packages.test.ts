import { describe, expect, it } from "vitest";
import { createRequestIdentity } from "../../../../src/domain/controlplane/idempotency";
import {
  PACKAGE_VERSION_ACTIONS,
  PACKAGE_VERSION_STATUSES,
  type PackageVersionAction,
  type PackageVersionStatus,
  type UpdatePackageVersionInput,
} from "../../../../src/domain/controlplane/packageInput";
import {
  applyPackageConfigurationUpdate,
  applyPackageUpdate,
  applyPackageVersionUpdate,
  assertPackageDeletable,
  assertPackageVersionDeletable,
  createPackage,
  createPackageOutput,
  createPackageVersion,
  createPackageVersionOutput,
  DEFAULT_PACKAGE_CONFIGURATION,
  getPackageConfigurationOutput,
  getPackageOutput,
  getPackageVersionOutput,
  listPackagesOutput,
  listPackageVersionsOutput,
  nextStatus,
  type PackageRecord,
  type PackageVersionRecord,
  resolvePackageCreate,
  resolvePackageVersionCreate,
} from "../../../../src/domain/controlplane/packages";
import { errorOf } from "../../../helpers/errors";

const ARN = { region: "us-east-1", account: "123456789012" };
const TOKEN = "11111111-2222-4333-8444-555555555555";
const T0 = 1_700_000_000;

const pkg: PackageRecord = createPackage("firmware", { description: "fw" }, T0, ARN, createRequestIdentity(TOKEN, { description: "fw" }));

function version(status: PackageVersionStatus, overrides: Partial<PackageVersionRecord> = {}): PackageVersionRecord {
  const draft = createPackageVersion(pkg, "1.0.0", { attributes: { a: "1" }, recipe: "r" }, T0, createRequestIdentity(undefined, {}));
  return { ...draft, status, ...overrides };
}

describe("records", () => {
  it("creates a package with its ARN and both dates", () => {
    expect(pkg).toEqual({
      packageName: "firmware",
      packageArn: "arn:aws:iot:us-east-1:123456789012:package/firmware",
      description: "fw",
      creationDate: T0,
      lastModifiedDate: T0,
      createRequest: { clientToken: TOKEN, fingerprint: '{"description":"fw"}' },
    });
  });

  it("creates every version as DRAFT with the version ARN [PKG]", () => {
    const v = createPackageVersion(pkg, "2.0", { description: "d", tags: { t: "v" } }, T0 + 5, createRequestIdentity(undefined, {}));
    expect(v.status).toBe("DRAFT");
    expect(v.packageVersionArn).toBe("arn:aws:iot:us-east-1:123456789012:package/firmware/version/2.0");
    expect(v.attributes).toEqual({});
    expect(v.tags).toEqual({ t: "v" });
    expect([v.creationDate, v.lastModifiedDate]).toEqual([T0 + 5, T0 + 5]);
  });

  it("refuses invalid names at creation", () => {
    expect(errorOf(() => createPackage("bad name", {}, T0, ARN, createRequestIdentity(undefined, {}))).kind).toBe("Validation");
    expect(errorOf(() => createPackageVersion(pkg, "v".repeat(65), {}, T0, createRequestIdentity(undefined, {}))).kind).toBe("Validation");
  });
});

describe("version lifecycle: every action × every status [PKG]", () => {
  const expected: Record<PackageVersionAction, Record<PackageVersionStatus, PackageVersionStatus | "Conflict">> = {
    PUBLISH: { DRAFT: "PUBLISHED", PUBLISHED: "PUBLISHED", DEPRECATED: "PUBLISHED" },
    DEPRECATE: { DRAFT: "Conflict", PUBLISHED: "DEPRECATED", DEPRECATED: "DEPRECATED" },
  };
  const cases = PACKAGE_VERSION_ACTIONS.flatMap((action) =>
    PACKAGE_VERSION_STATUSES.map((status) => [action, status, expected[action][status]] as const),
  );

  it.each(cases)("%s from %s → %s", (action, status, outcome) => {
    const before = version(status);
    if (outcome === "Conflict") {
      const error = errorOf(() => applyPackageVersionUpdate(before, { action }, T0 + 1));
      expect(error.kind).toBe("Conflict");
      expect(error.message).toMatch(/DEPRECATE.*DRAFT/);
      expect(error.extra).toEqual({ resourceId: before.packageVersionArn });
      expect(nextStatus(status, action)).toBeUndefined();
    } else {
      const after = applyPackageVersionUpdate(before, { action }, T0 + 1);
      expect(after.status).toBe(outcome);
      expect(after.lastModifiedDate).toBe(T0 + 1);
      expect(nextStatus(status, action)).toBe(outcome);
    }
  });
});

describe("what UpdatePackageVersion may change in each status", () => {
  const edits: [string, UpdatePackageVersionInput][] = [
    ["attributes", { attributes: { b: "2" } }],
    ["artifact", { artifact: { s3Location: { bucket: "b", key: "k" } } }],
    ["recipe", { recipe: "new" }],
  ];

  it.each(edits)("DRAFT: %s can be changed", (_member, input) => {
    const after = applyPackageVersionUpdate(version("DRAFT"), input, T0 + 1);
    expect(after).toMatchObject(input);
    expect(after.status).toBe("DRAFT");
  });

  it.each(edits.flatMap(([member, input]) => (["PUBLISHED", "DEPRECATED"] as const).map((status) => [member, status, input] as const)))(
    "%s cannot be changed when %s (Conflict) [seed]",
    (member, status, input) => {
      const error = errorOf(() => applyPackageVersionUpdate(version(status), input, T0 + 1));
      expect(error.kind).toBe("Conflict");
      expect(error.message).toContain(member);
      expect(error.message).toContain(status);
    },
  );

  it.each(PACKAGE_VERSION_STATUSES)("%s: description can always be changed [PKG]", (status) => {
    const after = applyPackageVersionUpdate(version(status), { description: "new" }, T0 + 1);
    expect(after.description).toBe("new");
    expect(after.status).toBe(status);
    expect(after.attributes).toEqual({ a: "1" });
  });

  it("replaces the whole attribute map rather than merging", () => {
    expect(applyPackageVersionUpdate(version("DRAFT"), { attributes: { b: "2" } }, T0).attributes).toEqual({ b: "2" });
  });

  it("judges edits by the status before the action, so a DRAFT can be edited and published in one call", () => {
    const after = applyPackageVersionUpdate(version("DRAFT"), { attributes: { final: "yes" }, action: "PUBLISH" }, T0 + 1);
    expect(after).toMatchObject({ status: "PUBLISHED", attributes: { final: "yes" } });
  });

  it("refuses re-publishing a DEPRECATED version together with an attribute change", () => {
    expect(errorOf(() => applyPackageVersionUpdate(version("DEPRECATED"), { attributes: {}, action: "PUBLISH" }, T0)).kind).toBe("Conflict");
  });
});

describe("default version (UpdatePackage) [PKG], [MI]", () => {
  const versions = new Map<string, PackageVersionRecord>([
    ["draft", version("DRAFT", { versionName: "draft" })],
    ["published", version("PUBLISHED", { versionName: "published" })],
    ["deprecated", version("DEPRECATED", { versionName: "deprecated" })],
  ]);
  const find = (name: string) => versions.get(name);

  it.each([["published"], ["deprecated"]])("a %s version can be the default", (name) => {
    const after = applyPackageUpdate(pkg, { defaultVersionName: name }, find, T0 + 1);
    expect(after.defaultVersionName).toBe(name);
    expect(after.lastModifiedDate).toBe(T0 + 1);
  });

  it("a DRAFT version cannot be the default (Conflict)", () => {
    const error = errorOf(() => applyPackageUpdate(pkg, { defaultVersionName: "draft" }, find, T0));
    expect(error.kind).toBe("Conflict");
    expect(error.message).toMatch(/DRAFT/);
  });

  it("a version that does not exist cannot be the default (ResourceNotFound)", () => {
    expect(errorOf(() => applyPackageUpdate(pkg, { defaultVersionName: "missing" }, find, T0)).kind).toBe("ResourceNotFound");
  });

  it("unsetDefaultVersion clears the default", () => {
    const withDefault = applyPackageUpdate(pkg, { defaultVersionName: "published" }, find, T0);
    const cleared = applyPackageUpdate(withDefault, { unsetDefaultVersion: true }, find, T0 + 2);
    expect("defaultVersionName" in cleared).toBe(false);
  });

  it("keeps the default when only the description changes", () => {
    const withDefault = applyPackageUpdate(pkg, { defaultVersionName: "published" }, find, T0);
    const after = applyPackageUpdate(withDefault, { description: "new", unsetDefaultVersion: false }, find, T0 + 2);
    expect(after).toMatchObject({ defaultVersionName: "published", description: "new" });
  });
});

describe("delete rules", () => {
  it("a package with versions cannot be deleted (Validation) [MI]", () => {
    const error = errorOf(() => assertPackageDeletable(pkg, 2));
    expect(error.kind).toBe("Validation");
    expect(error.message).toMatch(/2 version/);
    expect(() => assertPackageDeletable(pkg, 0)).not.toThrow();
  });

  it("the default version cannot be deleted (Validation) [MI], [PKG]", () => {
    const withDefault = { ...pkg, defaultVersionName: "1.0.0" };
    expect(errorOf(() => assertPackageVersionDeletable(withDefault, "1.0.0")).kind).toBe("Validation");
    expect(() => assertPackageVersionDeletable(withDefault, "2.0.0")).not.toThrow();
    expect(() => assertPackageVersionDeletable(pkg, "1.0.0")).not.toThrow();
    expect(() => assertPackageVersionDeletable(undefined, "1.0.0")).not.toThrow();
  });
});

describe("idempotent creates", () => {
  const identity = createRequestIdentity(TOKEN, { description: "fw" });

  it("creates when nothing exists under the name", () => {
    expect(resolvePackageCreate(undefined, identity)).toEqual({ action: "create" });
    expect(resolvePackageVersionCreate(undefined, identity)).toEqual({ action: "create" });
  });

  it("returns the original package for a retry with the same token and input", () => {
    expect(resolvePackageCreate(pkg, createRequestIdentity(TOKEN, { description: "fw" }))).toEqual({ action: "replay", record: pkg });
  });

  it.each([
    ["another token", createRequestIdentity("99999999-2222-4333-8444-555555555555", { description: "fw" }), /already exists/],
    ["no token", createRequestIdentity(undefined, { description: "fw" }), /already exists/],
    ["the same token with different input", createRequestIdentity(TOKEN, { description: "other" }), /different parameters/],
  ])("refuses %s with Conflict carrying resourceId", (_name, request, message) => {
    const error = errorOf(() => resolvePackageCreate(pkg, request));
    expect(error.kind).toBe("Conflict");
    expect(error.message).toMatch(message);
    expect(error.extra).toEqual({ resourceId: "firmware" });
  });

  it("treats versions the same way, with the version ARN as resourceId", () => {
    const v = createPackageVersion(pkg, "1.0", {}, T0, createRequestIdentity(TOKEN, {}));
    expect(resolvePackageVersionCreate(v, createRequestIdentity(TOKEN, {}))).toEqual({ action: "replay", record: v });
    expect(errorOf(() => resolvePackageVersionCreate(v, createRequestIdentity(undefined, {}))).extra).toEqual({
      resourceId: v.packageVersionArn,
    });
  });
});

describe("package configuration", () => {
  it("starts disabled and merges updates member by member", () => {
    expect(getPackageConfigurationOutput(DEFAULT_PACKAGE_CONFIGURATION)).toEqual({ versionUpdateByJobsConfig: { enabled: false } });
    const role = "arn:aws:iam::123456789012:role/jobs";
    const enabled = applyPackageConfigurationUpdate(DEFAULT_PACKAGE_CONFIGURATION, { versionUpdateByJobsConfig: { enabled: true, roleArn: role } });
    expect(enabled).toEqual({ versionUpdateByJobsConfig: { enabled: true, roleArn: role } });
    expect(applyPackageConfigurationUpdate(enabled, { versionUpdateByJobsConfig: { enabled: false } })).toEqual({
      versionUpdateByJobsConfig: { enabled: false, roleArn: role },
    });
    expect(applyPackageConfigurationUpdate(enabled, {})).toBe(enabled);
  });
});

describe("outputs carry exactly the members of the Smithy response shapes", () => {
  const full = version("PUBLISHED", {
    description: "d",
    artifact: { s3Location: { bucket: "b", key: "k" } },
    errorReason: "e",
    tags: { t: "v" },
  });
  const withDefault = { ...pkg, defaultVersionName: "1.0.0", tags: { t: "v" } };

  it("CreatePackage: packageName, packageArn, description", () => {
    expect(createPackageOutput(withDefault)).toEqual({ packageName: "firmware", packageArn: pkg.packageArn, description: "fw" });
  });

  it("GetPackage: + defaultVersionName, creationDate, lastModifiedDate", () => {
    expect(getPackageOutput(withDefault)).toEqual({
      packageName: "firmware",
      packageArn: pkg.packageArn,
      description: "fw",
      defaultVersionName: "1.0.0",
      creationDate: T0,
      lastModifiedDate: T0,
    });
  });

  it("ListPackages: packageSummaries of packageName, defaultVersionName, creationDate, lastModifiedDate", () => {
    expect(listPackagesOutput([withDefault], "n")).toEqual({
      packageSummaries: [{ packageName: "firmware", defaultVersionName: "1.0.0", creationDate: T0, lastModifiedDate: T0 }],
      nextToken: "n",
    });
    expect(listPackagesOutput([pkg])).toEqual({ packageSummaries: [{ packageName: "firmware", creationDate: T0, lastModifiedDate: T0 }] });
  });

  it("CreatePackageVersion: packageVersionArn, packageName, versionName, description, attributes, status, errorReason", () => {
    expect(createPackageVersionOutput(full)).toEqual({
      packageVersionArn: full.packageVersionArn,
      packageName: "firmware",
      versionName: "1.0.0",
      description: "d",
      attributes: { a: "1" },
      status: "PUBLISHED",
      errorReason: "e",
    });
  });

  it("GetPackageVersion: + artifact, creationDate, lastModifiedDate, recipe", () => {
    expect(getPackageVersionOutput(full)).toEqual({
      packageVersionArn: full.packageVersionArn,
      packageName: "firmware",
      versionName: "1.0.0",
      description: "d",
      attributes: { a: "1" },
      artifact: { s3Location: { bucket: "b", key: "k" } },
      status: "PUBLISHED",
      errorReason: "e",
      creationDate: T0,
      lastModifiedDate: T0,
      recipe: "r",
    });
  });

  it("ListPackageVersions: packageVersionSummaries of packageName, versionName, status, creationDate, lastModifiedDate", () => {
    expect(listPackageVersionsOutput([full])).toEqual({
      packageVersionSummaries: [{ packageName: "firmware", versionName: "1.0.0", status: "PUBLISHED", creationDate: T0, lastModifiedDate: T0 }],
    });
  });
});
