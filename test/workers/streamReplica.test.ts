import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";

const call = async (path: string, method: string, body: unknown) =>
  exports.default.fetch(await signedRequest(`https://iot.test${path}`, { method, body: JSON.stringify(body) }, { service: "iot" }));
const files = [{ fileId: 0, s3Location: { bucket: "firmware", key: "image.bin" } }];
const roleArn = "arn:aws:iam::123456789012:role/stream-reader";

describe("stream replicas (MQTT file delivery off the catalog)", () => {
  it("answers from its copy between catalog reads, and finds a stream created after it was asked for", async () => {
    const streamId = uniqueName("ota");
    const replica = env.STREAM_REPLICAS.getByName("streams-apac");
    // Not found is not remembered: the stream created next is found at once.
    expect(await replica.describeStream(streamId)).toMatchObject({ ok: false, kind: "ResourceNotFound" });
    expect((await call(`/streams/${streamId}`, "POST", { files, roleArn, description: "v1" })).status).toBe(200);
    expect(await replica.describeStream(streamId)).toMatchObject({ ok: true, value: { streamInfo: { streamVersion: 1, description: "v1" } } });
    // An update reaches the catalog; during an OTA campaign the replica keeps answering without asking it again.
    expect((await call(`/streams/${streamId}`, "PUT", { description: "v2" })).status).toBe(200);
    expect(await replica.describeStream(streamId)).toMatchObject({ ok: true, value: { streamInfo: { streamVersion: 1 } } });
    expect(await env.CATALOG.getByName("catalog").describeStream(streamId)).toMatchObject({ ok: true, value: { streamInfo: { streamVersion: 2 } } });
  });
});
