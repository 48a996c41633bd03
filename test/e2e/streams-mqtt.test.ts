// MQTT-based file delivery end to end (control-plane.md §4; AWS IoT Developer Guide "Using AWS IoT MQTT-based file
// delivery in devices"): a stream created with @aws-sdk/client-iot whose files were put into the local R2 bucket with
// the wrangler CLI, exactly as a README user seeds `npm start`, then downloaded by an mqtt.js device.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateStreamCommand, IoTClient, UpdateStreamCommand } from "@aws-sdk/client-iot";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CborValue, decodeCbor, encodeCbor } from "../../src/domain/controlplane/cbor";
import { connectMqtt, type Received, type TestClient } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { LOCAL_CREDENTIALS } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const persistDir = inject("persistDir");
const iot = new IoTClient({ endpoint: baseUrl, region: "us-east-1", credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
/** The R2 bucket behind the STREAM_FILES binding (wrangler.toml); a stream file {bucket, key} lives at `{bucket}/{key}`. */
const R2_BUCKET = "iot-stream-files";

/** `wrangler r2 object put … --local --persist-to`: writes into the running server's local R2 (~2 s per call). */
function putLocalR2Object(objectPath: string, file: string): Promise<void> {
  const wrangler = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [wrangler, "r2", "object", "put", `${R2_BUCKET}/${objectPath}`, "--file", file, "--local", "--persist-to", persistDir];
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false" };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { env }, (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve())),
  );
}

const firmware = new Uint8Array(randomBytes(5000)); // 1024-byte blocks: four full ones and a last one of 904 bytes
const manifest = new Uint8Array(randomBytes(300));
const bucket = uniqueName("fw-bucket");
const thing = uniqueName("device");
const streamId = uniqueName("stream");
const otherStreamId = uniqueName("stream");
const streamTopic = (kind: string, id = streamId) => `$aws/things/${thing}/streams/${id}/${kind}`;
const TOKEN = "rdy"; // the client token FreeRTOS OTA sends

let device: TestClient;
let tempDir = "";

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), "iot-streams-"));
  for (const [name, bytes] of [
    ["firmware.bin", firmware],
    ["manifest.json", manifest],
  ] as const) {
    writeFileSync(join(tempDir, name), bytes);
    await putLocalR2Object(`${bucket}/${name}`, join(tempDir, name)); // one at a time: both write one SQLite store
  }
  const roleArn = "arn:aws:iam::123456789012:role/stream-reader";
  const files = [
    { fileId: 0, s3Location: { bucket, key: "firmware.bin" } },
    { fileId: 7, s3Location: { bucket, key: "manifest.json" } },
  ];
  await iot.send(new CreateStreamCommand({ streamId, description: "firmware 1.2", files, roleArn }));
  // Updated once, so it is at version 2: a device that still expects version 1 gets VersionMismatch.
  await iot.send(new CreateStreamCommand({ streamId: otherStreamId, files, roleArn }));
  await iot.send(new UpdateStreamCommand({ streamId: otherStreamId, description: "second" }));

  device = await connectMqtt(baseUrl, { clientId: thing, protocolVersion: 4 });
  await device.client.subscribeAsync(
    ["description", "data", "rejected"].flatMap((kind) => [
      `$aws/things/${thing}/streams/+/${kind}/json`,
      `$aws/things/${thing}/streams/+/${kind}/cbor`,
    ]),
    { qos: 1 },
  );
}, 60_000);

afterAll(async () => {
  await device?.end();
  rmSync(tempDir, { recursive: true, force: true });
});

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const cborBytes = (members: Record<string, CborValue>) => encodeCbor(new Map(Object.entries(members)));
const parseJson = (message: Received) => JSON.parse(message.payload.toString()) as Record<string, unknown>;
const parseCbor = (message: Received) => Object.fromEntries(decodeCbor(new Uint8Array(message.payload)) as Map<string, CborValue>);

/** Publishes a request and collects `count` replies on `replyTopic`, in the order they arrived. */
async function request(topic: string, payload: Uint8Array, replyTopic: string, count = 1, qos: 0 | 1 = 1): Promise<Received[]> {
  await device.client.publishAsync(topic, Buffer.from(payload), { qos });
  const replies: Received[] = [];
  for (let i = 0; i < count; i += 1) replies.push(await device.next(replyTopic));
  return replies;
}

/** Puts data blocks (`i` = block index, `p` = bytes) back together at their offsets. */
function assemble(blocks: { i: number; p: Uint8Array }[], blockSize: number, size: number): Uint8Array {
  const file = new Uint8Array(size);
  for (const block of blocks) file.set(block.p, block.i * blockSize);
  return file;
}

describe("MQTT-based file delivery over JSON", () => {
  it("describes the stream: version, description and each file's size, at the request's QoS", async () => {
    const [reply] = await request(streamTopic("describe/json"), jsonBytes({ c: TOKEN }), streamTopic("description/json"));
    expect(parseJson(reply!)).toEqual({
      c: TOKEN,
      s: 1,
      d: "firmware 1.2",
      r: [
        { f: 0, z: 5000 },
        { f: 7, z: 300 },
      ],
    });
    expect(reply!.packet.qos).toBe(1);
  });

  it("delivers the request itself to subscribers of the request topic too, like any publish", async () => {
    const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("watcher"), protocolVersion: 4 });
    await watcher.client.subscribeAsync(streamTopic("describe/json"), { qos: 1 });
    await request(streamTopic("describe/json"), jsonBytes({ c: "seen" }), streamTopic("description/json"));
    expect(parseJson(await watcher.next(streamTopic("describe/json")))).toEqual({ c: "seen" });
    await watcher.end();
  });

  it("downloads a file in two GetStream requests by block offset and count (offsets are in blocks)", async () => {
    const first = await request(streamTopic("get/json"), jsonBytes({ c: TOKEN, s: 1, f: 0, l: 1024, o: 0, n: 3 }), streamTopic("data/json"), 3);
    const rest = await request(streamTopic("get/json"), jsonBytes({ f: 0, l: 1024, o: 3, n: 2 }), streamTopic("data/json"), 2);
    const blocks = [...first, ...rest].map(parseJson);
    // One message per block, in block order; `l` is the block's actual length, the last one shorter.
    expect(blocks.map(({ c, f, l, i }) => ({ c, f, l, i }))).toEqual([
      { c: TOKEN, f: 0, l: 1024, i: 0 },
      { c: TOKEN, f: 0, l: 1024, i: 1 },
      { c: TOKEN, f: 0, l: 1024, i: 2 },
      { c: undefined, f: 0, l: 1024, i: 3 },
      { c: undefined, f: 0, l: 904, i: 4 },
    ]);
    // JSON carries the block bytes as base64 text.
    const decoded = blocks.map(({ i, p }) => ({ i: i as number, p: new Uint8Array(Buffer.from(p as string, "base64")) }));
    expect(assemble(decoded, 1024, 5000)).toEqual(firmware);
  });

  it("downloads the blocks a bitmap selects (hex; least-significant bit = lowest block, relative to o)", async () => {
    // 0x1a = 0b11010 selects blocks 1, 3 and 4; "0x05" from offset 0 selects blocks 0 and 2.
    const most = await request(streamTopic("get/json"), jsonBytes({ f: 0, l: 1024, b: "1a" }), streamTopic("data/json"), 3);
    const others = await request(streamTopic("get/json"), jsonBytes({ f: 0, l: 1024, o: 0, b: "0x05" }), streamTopic("data/json"), 2);
    const blocks = [...most, ...others].map(parseJson);
    expect(blocks.map((block) => block.i)).toEqual([1, 3, 4, 0, 2]);
    const decoded = blocks.map(({ i, p }) => ({ i: i as number, p: new Uint8Array(Buffer.from(p as string, "base64")) }));
    expect(assemble(decoded, 1024, 5000)).toEqual(firmware);
  });

  it.each([
    { why: "an unknown stream", id: uniqueName("missing"), body: { c: TOKEN, f: 0, l: 1024 }, code: "ResourceNotFound" },
    { why: "a fileId the stream does not have", id: streamId, body: { c: TOKEN, f: 9, l: 1024 }, code: "ResourceNotFound" },
    { why: "a block size below 256 bytes", id: streamId, body: { c: TOKEN, f: 0, l: 255 }, code: "BlockSizeOutOfBounds" },
    { why: "a block size above 128 KB", id: streamId, body: { c: TOKEN, f: 0, l: 131073 }, code: "BlockSizeOutOfBounds" },
    { why: "an expected version the stream is no longer at", id: otherStreamId, body: { c: TOKEN, s: 1, f: 0, l: 1024 }, code: "VersionMismatch" },
    { why: "blocks past the end of the file", id: streamId, body: { c: TOKEN, f: 7, l: 256, o: 1, n: 2 }, code: "ResourceNotFound" },
  ])("rejects $why with $code, echoing the client token, at the request's QoS", async ({ id, body, code }) => {
    const dataBefore = device.messages.filter((m) => m.topic === streamTopic("data/json", id)).length;
    const [reply] = await request(streamTopic("get/json", id), jsonBytes(body), streamTopic("rejected/json", id), 1, 0);
    expect(parseJson(reply!)).toEqual({ o: code, m: expect.any(String), c: TOKEN });
    expect(reply!.packet.qos).toBe(0);
    expect((await device.quiet(streamTopic("data/json", id), 100)).length).toBe(dataBefore); // no block at all
  });

  it("rejects a payload that is not JSON with InvalidJson", async () => {
    const [reply] = await request(streamTopic("get/json"), new TextEncoder().encode("{f:0"), streamTopic("rejected/json"));
    expect(parseJson(reply!)).toEqual({ o: "InvalidJson", m: expect.any(String) });
  });
});

describe("MQTT-based file delivery over CBOR", () => {
  it("describes the stream in CBOR", async () => {
    const [reply] = await request(streamTopic("describe/cbor"), cborBytes({ c: TOKEN }), streamTopic("description/cbor"));
    expect(parseCbor(reply!)).toEqual({
      c: TOKEN,
      s: 1,
      d: "firmware 1.2",
      r: [
        new Map([
          ["f", 0],
          ["z", 5000],
        ]),
        new Map([
          ["f", 7],
          ["z", 300],
        ]),
      ],
    });
  });

  it("downloads a whole file with block data as CBOR byte strings, including by a byte-string bitmap", async () => {
    const blocks = await request(streamTopic("get/cbor"), cborBytes({ c: TOKEN, f: 0, l: 2048, o: 0, n: 2 }), streamTopic("data/cbor"), 2);
    const last = await request(streamTopic("get/cbor"), cborBytes({ f: 0, l: 2048, o: 2, b: new Uint8Array([0x01]) }), streamTopic("data/cbor"));
    const decoded = [...blocks, ...last].map(parseCbor);
    expect(decoded.map(({ f, l, i }) => ({ f, l, i }))).toEqual([
      { f: 0, l: 2048, i: 0 },
      { f: 0, l: 2048, i: 1 },
      { f: 0, l: 904, i: 2 },
    ]);
    expect(decoded.every((block) => block.p instanceof Uint8Array)).toBe(true);
    expect(assemble(decoded as { i: number; p: Uint8Array }[], 2048, 5000)).toEqual(firmware);
  });

  it("downloads the second file of the stream by its fileId", async () => {
    const [reply] = await request(streamTopic("get/cbor"), cborBytes({ f: 7, l: 512, n: 1 }), streamTopic("data/cbor"));
    expect(parseCbor(reply!)).toEqual({ f: 7, l: 300, i: 0, p: manifest });
  });

  it.each([
    { why: "a malformed CBOR payload", payload: new Uint8Array([0xa1, 0x61]), rejected: { o: "InvalidCbor", m: expect.any(String) } },
    {
      why: "a block size out of bounds",
      payload: cborBytes({ c: TOKEN, f: 0, l: 200 }),
      rejected: { o: "BlockSizeOutOfBounds", m: expect.any(String), c: TOKEN },
    },
  ])("rejects $why on …/rejected/cbor", async ({ payload, rejected }) => {
    const [reply] = await request(streamTopic("get/cbor"), payload, streamTopic("rejected/cbor"));
    expect(parseCbor(reply!)).toEqual(rejected);
  });
});
