import { env, evictDurableObject, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";

// The control plane signs as `iot`; older botocore signs as `execute-api` (spec README pitfall 11).
const call = async (path: string, init: { method?: string; body?: unknown } = {}, service = "iot") =>
  exports.default.fetch(
    await signedRequest(
      `https://iot.test${path}`,
      { method: init.method ?? "GET", ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) },
      { service },
    ),
  );
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
const json = async (response: Response): Promise<any> => response.json();
const errorType = (response: Response) => response.headers.get("x-amzn-errortype");
const token = () => `${crypto.randomUUID()}-retry`;
const files = [{ fileId: 0, s3Location: { bucket: "firmware", key: "image.bin" } }];
const roleArn = "arn:aws:iam::123456789012:role/stream-reader";

const createStream = (streamId: string) => call(`/streams/${streamId}`, { method: "POST", body: { files, roleArn } });
const createPackage = (name: string, body: unknown = {}, clientToken = token()) =>
  call(`/packages/${name}?clientToken=${clientToken}`, { method: "PUT", body });
const createVersion = (name: string, version: string, body: unknown = {}) =>
  call(`/packages/${name}/versions/${version}?clientToken=${token()}`, { method: "PUT", body });
const updateVersion = (name: string, version: string, body: unknown) => call(`/packages/${name}/versions/${version}`, { method: "PATCH", body });

const catalogStub = () => env.CATALOG.getByName("catalog");

/** Every row of every catalog table, to prove that refused requests change nothing. */
function catalogRows(): Promise<unknown[]> {
  return runInDurableObject(catalogStub(), (_instance, state) =>
    ["streams", "packages", "package_versions", "settings"].flatMap((table) => state.storage.sql.exec(`SELECT * FROM ${table}`).toArray()),
  );
}

describe("CatalogObject behind the control-plane routes", () => {
  it("serializes concurrent UpdateStream calls: each version 2..N+1 is handed out exactly once", async () => {
    const streamId = uniqueName("hot");
    await createStream(streamId);
    const n = 12;
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) => call(`/streams/${streamId}`, { method: "PUT", body: { description: `u${i}` } })),
    );
    const versions = await Promise.all(responses.map(async (r) => (await json(r)).streamVersion as number));
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect((await json(await call(`/streams/${streamId}`))).streamInfo.streamVersion).toBe(n + 1);
  });

  it("refuses an UpdateStream past version 65535 with LimitExceededException (410) and keeps the stream", async () => {
    const streamId = uniqueName("full");
    await createStream(streamId);
    // StreamVersion is an int 0–65535 [MI]; reaching it by 65534 real updates would take minutes.
    await runInDurableObject(catalogStub(), (_instance, state) => {
      const { record } = state.storage.sql.exec<{ record: string }>("SELECT record FROM streams WHERE stream_id = ?", streamId).one();
      const full = { ...JSON.parse(record), streamVersion: 65535 };
      state.storage.sql.exec("UPDATE streams SET record = ? WHERE stream_id = ?", JSON.stringify(full), streamId);
    });
    const response = await call(`/streams/${streamId}`, { method: "PUT", body: { description: "one more" } });
    expect([response.status, errorType(response)]).toEqual([410, "LimitExceededException"]);
    const info = (await json(await call(`/streams/${streamId}`))).streamInfo;
    expect(info.streamVersion).toBe(65535);
    expect(info.description).toBeUndefined();
  });

  it("lets exactly one of several concurrent CreatePackage calls with different client tokens win", async () => {
    const name = uniqueName("race");
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => createPackage(name, { description: `d${i}` })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    const losers = responses.filter((r) => r.status !== 200);
    expect(losers.map((r) => [r.status, errorType(r)])).toEqual(Array(7).fill([409, "ConflictException"]));
  });

  it("answers concurrent retries of one CreatePackage (same clientToken, same input) with the same result", async () => {
    const name = uniqueName("retry");
    const clientToken = token();
    const responses = await Promise.all(Array.from({ length: 6 }, () => createPackage(name, { description: "same" }, clientToken)));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    const bodies = await Promise.all(responses.map(json));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it("never leaves a version without its package when DeletePackage races CreatePackageVersion", async () => {
    for (let round = 0; round < 4; round += 1) {
      const name = uniqueName("orphan");
      await createPackage(name);
      const [deleted, created] = await Promise.all([
        call(`/packages/${name}?clientToken=${token()}`, { method: "DELETE" }),
        createVersion(name, "1.0.0"),
      ]);
      // Exactly one of them wins, and the loser's refusal is the modelled ValidationException.
      expect([deleted.status, created.status].sort()).toEqual([200, 400]);
      const loser = deleted.status === 400 ? deleted : created;
      expect(errorType(loser)).toBe("ValidationException");
    }
    const orphans = await runInDurableObject(catalogStub(), (_instance, state) =>
      state.storage.sql
        .exec(
          `SELECT v.package_name FROM package_versions v
           WHERE NOT EXISTS (SELECT 1 FROM packages p WHERE p.package_name = v.package_name)`,
        )
        .toArray(),
    );
    expect(orphans).toEqual([]);
  });

  it("changes nothing at all when a request is refused", async () => {
    const name = uniqueName("frozen");
    const streamId = uniqueName("frozen");
    await createStream(streamId);
    await createPackage(name, { description: "before" });
    await createVersion(name, "draft", { attributes: { a: "1" } });
    await createVersion(name, "live", { attributes: { a: "1" } });
    await updateVersion(name, "live", { action: "PUBLISH" });
    await call(`/packages/${name}`, { method: "PATCH", body: { defaultVersionName: "live" } });
    const before = await catalogRows();

    const refused: [Promise<Response>, number, string][] = [
      // A legal description edit together with a forbidden attribute edit: neither is applied.
      [updateVersion(name, "live", { description: "after", attributes: { a: "2" } }), 409, "ConflictException"],
      // A DRAFT cannot be deprecated, even when the same request also edits its description.
      [updateVersion(name, "draft", { description: "after", action: "DEPRECATE" }), 409, "ConflictException"],
      [call(`/packages/${name}`, { method: "PATCH", body: { description: "after", defaultVersionName: "draft" } }), 409, "ConflictException"],
      [call(`/packages/${name}`, { method: "PATCH", body: { description: "after", defaultVersionName: "nope" } }), 404, "ResourceNotFoundException"],
      [call(`/packages/${name}/versions/live`, { method: "DELETE" }), 400, "ValidationException"],
      [call(`/packages/${name}`, { method: "DELETE" }), 400, "ValidationException"],
      [createPackage(name, { description: "after" }), 409, "ConflictException"],
      [createStream(streamId), 409, "ResourceAlreadyExistsException"],
      [call(`/streams/${streamId}`, { method: "PUT", body: { files: [] } }), 400, "InvalidRequestException"],
      [call("/package-configuration", { method: "PATCH", body: { versionUpdateByJobsConfig: { enabled: "yes" } } }), 400, "ValidationException"],
    ];
    for (const [pending, status, type] of refused) {
      const response = await pending;
      expect([response.status, errorType(response)]).toEqual([status, type]);
    }
    expect(await catalogRows()).toEqual(before);
  });

  it("keeps streams, packages, versions and the package configuration across eviction of the one catalog object", async () => {
    const streamId = uniqueName("durable");
    const name = uniqueName("durable");
    await createStream(streamId);
    await call(`/streams/${streamId}`, { method: "PUT", body: { description: "second" } });
    await createPackage(name, { description: "kept" });
    await createVersion(name, "1.0", { attributes: { os: "linux" } });
    await updateVersion(name, "1.0", { action: "PUBLISH" });
    await call(`/packages/${name}`, { method: "PATCH", body: { defaultVersionName: "1.0" } });
    await call("/package-configuration", {
      method: "PATCH",
      body: { versionUpdateByJobsConfig: { enabled: true, roleArn: "arn:aws:iam::123456789012:role/pkg" } },
    });
    const snapshot = async () => ({
      stream: await json(await call(`/streams/${streamId}`)),
      pkg: await json(await call(`/packages/${name}`)),
      version: await json(await call(`/packages/${name}/versions/1.0`)),
      config: await json(await call("/package-configuration")),
    });
    const before = await snapshot();
    expect(before.stream.streamInfo).toMatchObject({ streamVersion: 2, description: "second" });
    expect(before.pkg).toMatchObject({ description: "kept", defaultVersionName: "1.0" });
    expect(before.version).toMatchObject({ status: "PUBLISHED", attributes: { os: "linux" } });

    await evictDurableObject(catalogStub());
    expect(await snapshot()).toEqual(before);
    const ids = await listDurableObjectIds(env.CATALOG);
    expect(ids.filter((id) => id.equals(env.CATALOG.idFromName("catalog")))).toHaveLength(1);
  });

  it("continues a listing across eviction and across inserts and deletes between pages, without repeats or gaps", async () => {
    const prefix = uniqueName("page");
    const names = Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);
    for (const name of names) await createPackage(name);
    const mine = (summaries: { packageName: string }[]) => summaries.map((s) => s.packageName).filter((n) => n.startsWith(prefix));

    // Page through everything, two at a time, until the first of ours shows up, then disturb the catalog.
    let page = await json(await call("/packages?maxResults=2"));
    const seen: string[] = mine(page.packageSummaries);
    while (seen.length === 0) {
      page = await json(await call(`/packages?maxResults=2&nextToken=${encodeURIComponent(page.nextToken)}`));
      seen.push(...mine(page.packageSummaries));
    }
    await evictDurableObject(catalogStub());
    await call(`/packages/${names[4]}`, { method: "DELETE" }); // not yet listed: must not appear
    await createPackage(`${prefix}-3a`); // sorts after the position: must appear
    while (page.nextToken !== undefined) {
      page = await json(await call(`/packages?maxResults=2&nextToken=${encodeURIComponent(page.nextToken)}`));
      seen.push(...mine(page.packageSummaries));
    }
    expect(seen).toEqual([...names.slice(0, 4), `${prefix}-3a`].sort());
  });

  it("refuses forged, foreign and mismatched page tokens with each family's own validation error", async () => {
    for (let i = 0; i < 3; i += 1) await createStream(uniqueName("tok"));
    const streamsToken = (await json(await call("/streams?maxResults=1"))).nextToken as string;
    const cases: [string, number, string][] = [
      [`/streams?nextToken=${encodeURIComponent(`${streamsToken}x`)}`, 400, "InvalidRequestException"],
      // A descending listing cannot be continued in ascending order.
      [`/streams?isAscendingOrder=true&nextToken=${encodeURIComponent(streamsToken)}`, 400, "InvalidRequestException"],
      [`/packages?nextToken=${encodeURIComponent(streamsToken)}`, 400, "ValidationException"],
      [`/packages/p/versions?nextToken=not-a-token`, 400, "ValidationException"],
      ["/streams?maxResults=251", 400, "InvalidRequestException"],
      ["/packages?maxResults=0", 400, "ValidationException"],
      ["/packages/p/versions?status=ACTIVE", 400, "ValidationException"],
    ];
    for (const [path, status, type] of cases) {
      const response = await call(path);
      expect([path, response.status, errorType(response)]).toEqual([path, status, type]);
    }
  });

  it("accepts control-plane requests signed as execute-api (older botocore) as well as iot", async () => {
    const streamId = uniqueName("botocore");
    const created = await call(`/streams/${streamId}`, { method: "POST", body: { files, roleArn } }, "execute-api");
    expect(created.status).toBe(200);
    expect(await json(created)).toEqual({
      streamId,
      streamArn: `arn:aws:iot:us-east-1:123456789012:stream/${streamId}`,
      streamVersion: 1,
    });
  });

  it("refuses malformed JSON bodies with the operation family's validation error", async () => {
    const streamId = uniqueName("json");
    const stream = await exports.default.fetch(
      await signedRequest(`https://iot.test/streams/${streamId}`, { method: "POST", body: "{files:" }, { service: "iot" }),
    );
    expect([stream.status, errorType(stream)]).toEqual([400, "InvalidRequestException"]);
    const pkg = await exports.default.fetch(
      await signedRequest(`https://iot.test/packages/${uniqueName("json")}`, { method: "PUT", body: "[" }, { service: "iot" }),
    );
    expect([pkg.status, errorType(pkg)]).toEqual([400, "ValidationException"]);
  });
});
