import {
  ConflictException,
  CreatePackageCommand,
  CreatePackageVersionCommand,
  CreateStreamCommand,
  DeletePackageCommand,
  DeletePackageVersionCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetPackageCommand,
  GetPackageConfigurationCommand,
  GetPackageVersionCommand,
  InvalidRequestException,
  IoTClient,
  IoTServiceException,
  ListPackagesCommand,
  ListPackageVersionsCommand,
  ListStreamsCommand,
  paginateListPackages,
  paginateListPackageVersions,
  paginateListStreams,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdatePackageCommand,
  UpdatePackageConfigurationCommand,
  UpdatePackageVersionCommand,
  UpdateStreamCommand,
  ValidationException,
} from "@aws-sdk/client-iot";
import { describe, expect, inject, it } from "vitest";
import { uniqueName } from "../helpers/names";

const baseUrl = inject("baseUrl");
/** The AWS SDK exactly as a user configures it: only the endpoint (and local credentials) changed. */
const iotClient = (credentials = { accessKeyId: "test", secretAccessKey: "test" }) =>
  new IoTClient({ endpoint: baseUrl, region: "us-east-1", credentials, maxAttempts: 1 });
const client = iotClient();

const ARN_PREFIX = "arn:aws:iot:us-east-1:123456789012";
const roleArn = "arn:aws:iam::123456789012:role/stream-reader";
const file = (fileId: number, key = `fw-${fileId}.bin`) => ({ fileId, s3Location: { bucket: "firmware", key } });

/** A rejection's SDK class, message and extra members, so one assertion says which modelled error surfaced. */
async function rejection(promise: Promise<unknown>): Promise<IoTServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IoTServiceException) return error;
    throw error;
  }
  throw new Error("expected the call to be rejected");
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe("Streams through @aws-sdk/client-iot", () => {
  it("creates, describes, updates (always bumping the version) and deletes a stream", async () => {
    const streamId = uniqueName("fw");
    const streamArn = `${ARN_PREFIX}:stream/${streamId}`;
    const created = await client.send(
      new CreateStreamCommand({ streamId, description: "firmware", files: [file(0), file(7)], roleArn, tags: [{ Key: "team", Value: "a" }] }),
    );
    // aws-cli create-stream example: a new stream has version 1.
    expect(created).toMatchObject({ streamId, streamArn, description: "firmware", streamVersion: 1 });

    const described = (await client.send(new DescribeStreamCommand({ streamId }))).streamInfo!;
    expect(described).toEqual({
      streamId,
      streamArn,
      streamVersion: 1,
      description: "firmware",
      files: [file(0), file(7)],
      createdAt: expect.any(Date),
      lastUpdatedAt: expect.any(Date),
      roleArn,
    });
    // Epoch seconds on the wire: the SDK turns them into dates close to now.
    expect(Math.abs(described.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);

    // [seed] update_stream: "The stream version will be incremented by one", even when only files change.
    const updated = await client.send(new UpdateStreamCommand({ streamId, files: [file(1, "v2.bin")] }));
    expect(updated).toMatchObject({ streamId, streamArn, description: "firmware", streamVersion: 2 });
    const noChange = await client.send(new UpdateStreamCommand({ streamId }));
    expect(noChange.streamVersion).toBe(3);
    const after = (await client.send(new DescribeStreamCommand({ streamId }))).streamInfo!;
    expect(after).toMatchObject({ streamVersion: 3, description: "firmware", files: [file(1, "v2.bin")], roleArn });
    expect(after.lastUpdatedAt!.getTime()).toBeGreaterThanOrEqual(described.lastUpdatedAt!.getTime());
    expect(after.createdAt).toEqual(described.createdAt);

    await client.send(new DeleteStreamCommand({ streamId }));
    for (const command of [
      new DescribeStreamCommand({ streamId }),
      new UpdateStreamCommand({ streamId, description: "x" }),
      new DeleteStreamCommand({ streamId }),
    ]) {
      // biome-ignore lint/suspicious/noExplicitAny: one table over differently typed commands
      await expect(client.send(command as any)).rejects.toBeInstanceOf(ResourceNotFoundException);
    }
  });

  it("refuses a duplicate stream id with ResourceAlreadyExistsException carrying resourceId and resourceArn", async () => {
    const streamId = uniqueName("dup");
    await client.send(new CreateStreamCommand({ streamId, files: [file(0)], roleArn }));
    const error = await rejection(client.send(new CreateStreamCommand({ streamId, files: [file(1)], roleArn })));
    expect(error).toBeInstanceOf(ResourceAlreadyExistsException);
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(error).toMatchObject({ resourceId: streamId, resourceArn: `${ARN_PREFIX}:stream/${streamId}` });
    // The original is untouched.
    expect((await client.send(new DescribeStreamCommand({ streamId }))).streamInfo?.files).toEqual([file(0)]);
  });

  it.each([
    ["no files", { files: [] }],
    ["51 files", { files: Array.from({ length: 51 }, (_, i) => file(i)) }],
    ["fileId above 255", { files: [file(256)] }],
    ["duplicate fileIds", { files: [file(3), file(3)] }],
    ["an empty bucket", { files: [{ fileId: 0, s3Location: { bucket: "", key: "k" } }] }],
    ["a short roleArn", { roleArn: "arn:short" }],
    ["a control character in the description", { description: "a\u0007b" }],
  ])("refuses a stream with %s with InvalidRequestException (400)", async (_, override) => {
    const streamId = uniqueName("bad");
    const error = await rejection(client.send(new CreateStreamCommand({ streamId, files: [file(0)], roleArn, ...override })));
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    await expect(client.send(new DescribeStreamCommand({ streamId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses a stream id outside ^[a-zA-Z0-9_-]+$ and an out-of-range maxResults with InvalidRequestException", async () => {
    await expect(client.send(new DescribeStreamCommand({ streamId: "has.dot" }))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(client.send(new ListStreamsCommand({ maxResults: 251 }))).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it("pages ListStreams newest first by default and oldest first with ascendingOrder", async () => {
    const prefix = uniqueName("list");
    const ids = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);
    for (const streamId of ids) await client.send(new CreateStreamCommand({ streamId, files: [file(0)], roleArn }));
    const mine = (pages: { streams?: { streamId?: string }[] }[]) =>
      pages.flatMap((page) => page.streams ?? []).filter((s) => s.streamId?.startsWith(prefix));

    const descending = await collect(paginateListStreams({ client, pageSize: 2 }, {}));
    expect(descending.length).toBeGreaterThanOrEqual(3);
    expect(descending.every((page) => (page.streams ?? []).length <= 2)).toBe(true);
    // Newest first: ours appear before every stream created earlier by other tests.
    expect(mine(descending).map((s) => s.streamId)).toEqual([...ids].reverse());
    expect(mine(descending)[0]).toEqual({ streamId: ids[4], streamArn: `${ARN_PREFIX}:stream/${ids[4]}`, streamVersion: 1 });

    const ascending = await collect(paginateListStreams({ client, pageSize: 2 }, { ascendingOrder: true }));
    expect(mine(ascending).map((s) => s.streamId)).toEqual(ids);
    const allIds = ascending.flatMap((page) => page.streams ?? []).map((s) => s.streamId);
    expect(new Set(allIds).size).toBe(allIds.length);
  });
});

describe("Software Package Catalog through @aws-sdk/client-iot", () => {
  const packageArn = (name: string) => `${ARN_PREFIX}:package/${name}`;

  it("creates, reads, updates, lists and deletes a package", async () => {
    const packageName = uniqueName("pkg");
    const created = await client.send(new CreatePackageCommand({ packageName, description: "agent", tags: { team: "a" } }));
    expect(created).toMatchObject({ packageName, packageArn: packageArn(packageName), description: "agent" });

    const read = await client.send(new GetPackageCommand({ packageName }));
    expect(read).toMatchObject({ packageName, packageArn: packageArn(packageName), description: "agent" });
    expect(read.defaultVersionName).toBeUndefined();
    expect(read.creationDate).toBeInstanceOf(Date);
    expect(read.lastModifiedDate).toBeInstanceOf(Date);

    await client.send(new UpdatePackageCommand({ packageName, description: "agent v2" }));
    const updated = await client.send(new GetPackageCommand({ packageName }));
    expect(updated.description).toBe("agent v2");
    expect(updated.creationDate).toEqual(read.creationDate);

    const listed = (await client.send(new ListPackagesCommand({ maxResults: 100 }))).packageSummaries ?? [];
    expect(listed.find((s) => s.packageName === packageName)).toEqual({
      packageName,
      creationDate: read.creationDate,
      lastModifiedDate: updated.lastModifiedDate,
    });

    await client.send(new DeletePackageCommand({ packageName }));
    await expect(client.send(new GetPackageCommand({ packageName }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new UpdatePackageCommand({ packageName, description: "x" }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // No ResourceNotFound is modelled for DeletePackage: deleting again succeeds.
    await client.send(new DeletePackageCommand({ packageName }));
  });

  it("replays a create retried with the same clientToken and refuses anything else with ConflictException", async () => {
    const packageName = uniqueName("idem");
    const clientToken = crypto.randomUUID();
    const first = await client.send(new CreatePackageCommand({ packageName, description: "d", clientToken }));
    const retry = await client.send(new CreatePackageCommand({ packageName, description: "d", clientToken }));
    expect(retry).toEqual({ ...first, $metadata: expect.anything() });

    for (const input of [
      { packageName, description: "d" }, // the SDK fills in a fresh token
      { packageName, description: "other", clientToken }, // same token, different input
    ]) {
      const error = await rejection(client.send(new CreatePackageCommand(input)));
      expect(error).toBeInstanceOf(ConflictException);
      expect(error.$metadata.httpStatusCode).toBe(409);
      expect(error).toMatchObject({ resourceId: packageName });
    }

    const versionToken = crypto.randomUUID();
    const version = { packageName, versionName: "1.0", attributes: { os: "linux" }, clientToken: versionToken };
    const v1 = await client.send(new CreatePackageVersionCommand(version));
    expect(await client.send(new CreatePackageVersionCommand(version))).toEqual({ ...v1, $metadata: expect.anything() });
    const conflict = await rejection(client.send(new CreatePackageVersionCommand({ ...version, clientToken: undefined })));
    expect(conflict).toBeInstanceOf(ConflictException);
    expect(conflict).toMatchObject({ resourceId: v1.packageVersionArn });
  });

  it.each([
    ["a package name outside the pattern", () => new CreatePackageCommand({ packageName: "bad name" })],
    ["a package name over 128 characters", () => new CreatePackageCommand({ packageName: "p".repeat(129) })],
    ["a clientToken shorter than 36 characters", () => new CreatePackageCommand({ packageName: uniqueName("t"), clientToken: "short" })],
    ["an empty tag map", () => new CreatePackageCommand({ packageName: uniqueName("t"), tags: {} })],
    ["a description over 1024 characters", () => new CreatePackageCommand({ packageName: uniqueName("t"), description: "d".repeat(1025) })],
    ["maxResults over 100", () => new ListPackagesCommand({ maxResults: 101 })],
    ["a forged nextToken", () => new ListPackagesCommand({ nextToken: "forged.token" })],
    ["an unknown status filter", () => new ListPackageVersionsCommand({ packageName: "p", status: "ACTIVE" as never })],
    [
      "both defaultVersionName and unsetDefaultVersion",
      () => new UpdatePackageCommand({ packageName: "p", defaultVersionName: "1", unsetDefaultVersion: true }),
    ],
    [
      "attributes over 3 KB in all",
      () => new CreatePackageVersionCommand({ packageName: "p", versionName: "1", attributes: { big: "x".repeat(3070) } }),
    ],
    [
      "an attribute key outside the pattern",
      () => new CreatePackageVersionCommand({ packageName: "p", versionName: "1", attributes: { "a b": "1" } }),
    ],
    ["a recipe over 3072 characters", () => new CreatePackageVersionCommand({ packageName: "p", versionName: "1", recipe: "r".repeat(3073) })],
  ])("refuses %s with ValidationException (400)", async (_, command) => {
    // biome-ignore lint/suspicious/noExplicitAny: one table over differently typed commands
    const error = await rejection(client.send(command() as any));
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it("moves a version DRAFT → PUBLISHED → DEPRECATED → PUBLISHED and refuses transitions that do not exist", async () => {
    const packageName = uniqueName("life");
    await client.send(new CreatePackageCommand({ packageName }));
    await client.send(new CreatePackageVersionCommand({ packageName, versionName: "never-published" }));
    const created = await client.send(
      new CreatePackageVersionCommand({
        packageName,
        versionName: "1.0.0",
        description: "first",
        attributes: { os: "linux" },
        artifact: { s3Location: { bucket: "pkgs", key: "agent-1.0.0.tgz", version: "3" } },
        recipe: "{}",
      }),
    );
    // [PKG] a new version is a DRAFT.
    expect(created).toMatchObject({
      packageVersionArn: `${packageArn(packageName)}/version/1.0.0`,
      packageName,
      versionName: "1.0.0",
      description: "first",
      attributes: { os: "linux" },
      status: "DRAFT",
    });
    const got = await client.send(new GetPackageVersionCommand({ packageName, versionName: "1.0.0" }));
    expect(got).toMatchObject({
      status: "DRAFT",
      artifact: { s3Location: { bucket: "pkgs", key: "agent-1.0.0.tgz", version: "3" } },
      recipe: "{}",
      creationDate: expect.any(Date),
      lastModifiedDate: expect.any(Date),
    });

    const statusOf = async (versionName = "1.0.0") => (await client.send(new GetPackageVersionCommand({ packageName, versionName }))).status;
    const act = (action: "PUBLISH" | "DEPRECATE", versionName = "1.0.0") =>
      client.send(new UpdatePackageVersionCommand({ packageName, versionName, action }));

    await act("PUBLISH");
    expect(await statusOf()).toBe("PUBLISHED");
    await act("PUBLISH"); // the same state again is harmless
    expect(await statusOf()).toBe("PUBLISHED");
    await act("DEPRECATE");
    expect(await statusOf()).toBe("DEPRECATED");
    await act("PUBLISH");
    expect(await statusOf()).toBe("PUBLISHED");

    // DRAFT → DEPRECATED is not a transition [PKG].
    const refused = await rejection(act("DEPRECATE", "never-published"));
    expect(refused).toBeInstanceOf(ConflictException);
    expect(await statusOf("never-published")).toBe("DRAFT");

    await expect(client.send(new UpdatePackageVersionCommand({ packageName, versionName: "missing", action: "PUBLISH" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new GetPackageVersionCommand({ packageName, versionName: "missing" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it("edits attributes, artifact and recipe only in DRAFT, and the description in every status", async () => {
    const packageName = uniqueName("attrs");
    const versionName = "2.0";
    await client.send(new CreatePackageCommand({ packageName }));
    await client.send(new CreatePackageVersionCommand({ packageName, versionName, attributes: { a: "1" } }));
    await client.send(new UpdatePackageVersionCommand({ packageName, versionName, attributes: { b: "2" }, recipe: "r1" }));
    const draft = await client.send(new GetPackageVersionCommand({ packageName, versionName }));
    expect(draft).toMatchObject({ attributes: { b: "2" }, recipe: "r1" });

    // Publishing and setting the final attributes in one request is judged against DRAFT.
    await client.send(new UpdatePackageVersionCommand({ packageName, versionName, attributes: { c: "3" }, action: "PUBLISH" }));
    expect(await client.send(new GetPackageVersionCommand({ packageName, versionName }))).toMatchObject({
      status: "PUBLISHED",
      attributes: { c: "3" },
    });

    // [seed] update_package_version: "Attributes can be updated only when the package version is in a draft state."
    for (const edit of [{ attributes: { d: "4" } }, { recipe: "r2" }, { artifact: { s3Location: { bucket: "b", key: "k" } } }]) {
      const error = await rejection(client.send(new UpdatePackageVersionCommand({ packageName, versionName, ...edit })));
      expect(error).toBeInstanceOf(ConflictException);
    }
    await client.send(new UpdatePackageVersionCommand({ packageName, versionName, description: "published, described" }));
    expect(await client.send(new GetPackageVersionCommand({ packageName, versionName }))).toMatchObject({
      status: "PUBLISHED",
      description: "published, described",
      attributes: { c: "3" },
      recipe: "r1",
    });
  });

  it("names only a PUBLISHED or DEPRECATED version as default and refuses to delete the default", async () => {
    const packageName = uniqueName("default");
    await client.send(new CreatePackageCommand({ packageName }));
    for (const versionName of ["draft", "v1", "v2"]) await client.send(new CreatePackageVersionCommand({ packageName, versionName }));
    await client.send(new UpdatePackageVersionCommand({ packageName, versionName: "v1", action: "PUBLISH" }));
    await client.send(new UpdatePackageVersionCommand({ packageName, versionName: "v2", action: "PUBLISH" }));
    await client.send(new UpdatePackageVersionCommand({ packageName, versionName: "v2", action: "DEPRECATE" }));
    const defaultOf = async () => (await client.send(new GetPackageCommand({ packageName }))).defaultVersionName;

    await expect(client.send(new UpdatePackageCommand({ packageName, defaultVersionName: "draft" }))).rejects.toBeInstanceOf(ConflictException);
    await expect(client.send(new UpdatePackageCommand({ packageName, defaultVersionName: "nope" }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(await defaultOf()).toBeUndefined();

    await client.send(new UpdatePackageCommand({ packageName, defaultVersionName: "v1" }));
    expect(await defaultOf()).toBe("v1");
    const summaries = (await client.send(new ListPackageVersionsCommand({ packageName }))).packageVersionSummaries ?? [];
    expect(summaries.map((s) => [s.versionName, s.status])).toEqual([
      ["draft", "DRAFT"],
      ["v1", "PUBLISHED"],
      ["v2", "DEPRECATED"],
    ]);
    await client.send(new UpdatePackageCommand({ packageName, defaultVersionName: "v2" }));
    expect(await defaultOf()).toBe("v2");

    // The default version must be replaced or unset before it can be deleted [MI], [PKG].
    await expect(client.send(new DeletePackageVersionCommand({ packageName, versionName: "v2" }))).rejects.toBeInstanceOf(ValidationException);
    await client.send(new UpdatePackageCommand({ packageName, unsetDefaultVersion: true }));
    expect(await defaultOf()).toBeUndefined();
    await client.send(new DeletePackageVersionCommand({ packageName, versionName: "v2" }));
    await expect(client.send(new GetPackageVersionCommand({ packageName, versionName: "v2" }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("deletes a package only once all of its versions are gone; missing versions delete without error", async () => {
    const packageName = uniqueName("del");
    await client.send(new CreatePackageCommand({ packageName }));
    await client.send(new CreatePackageVersionCommand({ packageName, versionName: "1" }));
    const refused = await rejection(client.send(new DeletePackageCommand({ packageName })));
    expect(refused).toBeInstanceOf(ValidationException);
    expect((await client.send(new GetPackageCommand({ packageName }))).packageName).toBe(packageName);

    await client.send(new DeletePackageVersionCommand({ packageName, versionName: "1" }));
    await client.send(new DeletePackageVersionCommand({ packageName, versionName: "1" }));
    await client.send(new DeletePackageVersionCommand({ packageName: uniqueName("never"), versionName: "1" }));
    await client.send(new DeletePackageCommand({ packageName }));
    await expect(client.send(new GetPackageCommand({ packageName }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    // CreatePackageVersion models no ResourceNotFound: a missing package is a ValidationException.
    await expect(client.send(new CreatePackageVersionCommand({ packageName, versionName: "2" }))).rejects.toBeInstanceOf(ValidationException);
  });

  it("pages ListPackages and ListPackageVersions (with a status filter) across several pages", async () => {
    const prefix = uniqueName("plist");
    const names = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);
    for (const packageName of names) await client.send(new CreatePackageCommand({ packageName }));
    const pages = await collect(paginateListPackages({ client, pageSize: 2 }, {}));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.every((page) => (page.packageSummaries ?? []).length <= 2)).toBe(true);
    const listed = pages.flatMap((page) => page.packageSummaries ?? []).map((s) => s.packageName);
    expect(listed.filter((n) => n?.startsWith(prefix))).toEqual(names);
    expect(new Set(listed).size).toBe(listed.length);

    const packageName = names[0]!;
    const versions = ["a", "b", "c", "d", "e"];
    for (const versionName of versions) await client.send(new CreatePackageVersionCommand({ packageName, versionName }));
    for (const versionName of ["b", "d", "e"]) {
      await client.send(new UpdatePackageVersionCommand({ packageName, versionName, action: "PUBLISH" }));
    }
    const all = await collect(paginateListPackageVersions({ client, pageSize: 2 }, { packageName }));
    expect(all).toHaveLength(3);
    expect(all.flatMap((page) => page.packageVersionSummaries ?? []).map((s) => s.versionName)).toEqual(versions);
    const published = await collect(paginateListPackageVersions({ client, pageSize: 2 }, { packageName, status: "PUBLISHED" }));
    expect(published).toHaveLength(2);
    const summaries = published.flatMap((page) => page.packageVersionSummaries ?? []);
    expect(summaries.map((s) => s.versionName)).toEqual(["b", "d", "e"]);
    expect(summaries[0]).toEqual({
      packageName,
      versionName: "b",
      status: "PUBLISHED",
      creationDate: expect.any(Date),
      lastModifiedDate: expect.any(Date),
    });

    // A token continues only the listing it came from.
    const firstPage = await client.send(new ListPackageVersionsCommand({ packageName, maxResults: 1 }));
    const foreign = client.send(new ListPackageVersionsCommand({ packageName: names[1]!, nextToken: firstPage.nextToken! }));
    await expect(foreign).rejects.toBeInstanceOf(ValidationException);
    // A package with no versions (or none at all) lists as empty.
    expect((await client.send(new ListPackageVersionsCommand({ packageName: uniqueName("none") }))).packageVersionSummaries).toEqual([]);
  });

  it("reads and updates the account's package configuration", async () => {
    const roleArnForJobs = "arn:aws:iam::123456789012:role/package-jobs";
    const initial = await client.send(new GetPackageConfigurationCommand({}));
    expect(typeof initial.versionUpdateByJobsConfig?.enabled).toBe("boolean");
    await client.send(new UpdatePackageConfigurationCommand({ versionUpdateByJobsConfig: { enabled: true, roleArn: roleArnForJobs } }));
    expect((await client.send(new GetPackageConfigurationCommand({}))).versionUpdateByJobsConfig).toEqual({
      enabled: true,
      roleArn: roleArnForJobs,
    });
    await client.send(new UpdatePackageConfigurationCommand({ versionUpdateByJobsConfig: { enabled: false } }));
    expect((await client.send(new GetPackageConfigurationCommand({}))).versionUpdateByJobsConfig).toEqual({
      enabled: false,
      roleArn: roleArnForJobs,
    });
  });

  it("refuses a caller whose policy does not allow the control-plane action with 403 and creates nothing", async () => {
    const readonly = iotClient({ accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" });
    const packageName = uniqueName("denied");
    const error = await rejection(readonly.send(new CreatePackageCommand({ packageName })));
    expect(error.name).toBe("ForbiddenException");
    expect(error.$metadata.httpStatusCode).toBe(403);
    await expect(client.send(new GetPackageCommand({ packageName }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
