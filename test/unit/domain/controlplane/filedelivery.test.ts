import { describe, expect, it } from "vitest";
import { type CborValue, decodeCbor, encodeCbor } from "../../../../src/domain/controlplane/cbor";
import {
  type DeliveryResult,
  dataBlockMessage,
  describeStreamResponse,
  encodeFileDeliveryMessage,
  fileDeliveryReplyTopic,
  type GetStreamRequest,
  type PayloadFormat,
  parseDescribeStreamRequest,
  parseGetStreamRequest,
  planGetStream,
  rejectedMessage,
  rejection,
  selectBlocks,
} from "../../../../src/domain/controlplane/filedelivery";
import type { StreamRecord } from "../../../../src/domain/controlplane/streams";

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const cbor = (entries: Record<string, CborValue>): Uint8Array => encodeCbor(new Map(Object.entries(entries)));
const TOKEN = "ec944cfb-1e3c-49ac-97de-9dc4aaad0039";

function value<T>(result: DeliveryResult<T>): T {
  if (!result.ok) throw new Error(`unexpected rejection ${result.rejection.code}: ${result.rejection.message}`);
  return result.value;
}

function refusal<T>(result: DeliveryResult<T>) {
  if (result.ok) throw new Error("expected a rejection");
  return result.rejection;
}

const stream: StreamRecord = {
  streamId: "stream1",
  streamArn: "arn:aws:iot:us-east-1:123456789012:stream/stream1",
  description: "This is the description of stream ABC.",
  files: [
    { fileId: 0, s3Location: { bucket: "b", key: "a.bin" } },
    { fileId: 1, s3Location: { bucket: "b", key: "b.bin" } },
  ],
  roleArn: "arn:aws:iam::123456789012:role/r",
  streamVersion: 1,
  createdAt: 1,
  lastUpdatedAt: 1,
};
// The sizes of the developer guide's DescribeStream example.
const sizes = new Map([
  [0, 131072],
  [1, 51200],
]);

const request = (overrides: Partial<GetStreamRequest> = {}): GetStreamRequest => ({ fileId: 0, blockSize: 256, blockOffset: 0, ...overrides });

describe("DescribeStream requests", () => {
  it.each<[PayloadFormat, Uint8Array]>([
    ["json", json({ c: TOKEN })],
    ["cbor", cbor({ c: TOKEN })],
  ])("reads the client token (%s)", (format, payload) => {
    expect(value(parseDescribeStreamRequest(payload, format))).toEqual({ clientToken: TOKEN });
  });

  it.each<[PayloadFormat, Uint8Array]>([
    ["json", json({})],
    ["json", new Uint8Array()],
    ["cbor", new Uint8Array()],
    ["json", json({ c: null })],
    ["cbor", cbor({ c: null })],
  ])("needs no members; null reads as absent (%s %#)", (format, payload) => {
    expect(value(parseDescribeStreamRequest(payload, format))).toEqual({});
  });

  it("accepts a 64-byte token and refuses a 65-byte one with InvalidRequest and no echo [FD]", () => {
    expect(value(parseDescribeStreamRequest(json({ c: "t".repeat(64) }), "json"))).toEqual({ clientToken: "t".repeat(64) });
    expect(refusal(parseDescribeStreamRequest(json({ c: "t".repeat(65) }), "json"))).toEqual({
      code: "InvalidRequest",
      message: "c (client token) must not be longer than 64 bytes",
    });
  });

  it("counts the token in UTF-8 bytes, not characters", () => {
    // 22 × "é" = 44 bytes passes; 33 × "é" = 66 bytes in 33 characters does not.
    expect(value(parseDescribeStreamRequest(json({ c: "é".repeat(22) }), "json")).clientToken).toBe("é".repeat(22));
    expect(refusal(parseDescribeStreamRequest(json({ c: "é".repeat(33) }), "json")).code).toBe("InvalidRequest");
  });

  it.each<[string, PayloadFormat, Uint8Array, string]>([
    ["malformed JSON", "json", new TextEncoder().encode("{"), "InvalidJson"],
    ["invalid UTF-8 in JSON", "json", Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x7d), "InvalidJson"],
    ["a JSON array", "json", json([1]), "InvalidRequest"],
    ["a JSON string", "json", json("c"), "InvalidRequest"],
    ["a numeric token", "json", json({ c: 5 }), "InvalidRequest"],
    ["malformed CBOR", "cbor", Uint8Array.of(0xa1, 0x61), "InvalidCbor"],
    ["JSON sent on the CBOR topic", "cbor", json({ c: TOKEN }), "InvalidCbor"],
    ["a CBOR array", "cbor", encodeCbor([1]), "InvalidRequest"],
  ])("refuses %s with %s", (_name, format, payload, code) => {
    const refused = refusal(parseDescribeStreamRequest(payload, format));
    expect(refused.code).toBe(code);
    expect(refused.clientToken).toBeUndefined();
  });
});

describe("GetStream request parsing", () => {
  it("reads every member from JSON", () => {
    expect(value(parseGetStreamRequest(json({ c: TOKEN, s: 1, f: 0, l: 4096, o: 2, n: 100, b: "0x130080" }), "json"))).toEqual({
      clientToken: TOKEN,
      streamVersion: 1,
      fileId: 0,
      blockSize: 4096,
      blockOffset: 2,
      blockCount: 100,
      bitmap: Uint8Array.of(0x13, 0x00, 0x80),
    });
  });

  it('reads the request of aws-iot-core-mqtt-file-streams-embedded-c (JSON, "s": 1 hard-coded) [OTA]', () => {
    const payload = new TextEncoder().encode('{"s": 1,"f": 0,"l": 256,"o": 3,"n": 1}');
    expect(value(parseGetStreamRequest(payload, "json"))).toEqual({ streamVersion: 1, fileId: 0, blockSize: 256, blockOffset: 3, blockCount: 1 });
  });

  it('reads a FreeRTOS OTA CBOR request (token "rdy", bitmap as a byte string) [OTA]', () => {
    const payload = cbor({ c: "rdy", f: 0, l: 1024, o: 0, b: Uint8Array.of(0xff, 0xff, 0x03), n: 4 });
    expect(value(parseGetStreamRequest(payload, "cbor"))).toEqual({
      clientToken: "rdy",
      fileId: 0,
      blockSize: 1024,
      blockOffset: 0,
      blockCount: 4,
      bitmap: Uint8Array.of(0xff, 0xff, 0x03),
    });
  });

  it("defaults o to 0 and leaves n and b absent", () => {
    expect(value(parseGetStreamRequest(json({ f: 1, l: 512 }), "json"))).toEqual({ fileId: 1, blockSize: 512, blockOffset: 0 });
  });

  it.each([
    ["0x130080", [0x13, 0x00, 0x80]],
    ["130080", [0x13, 0x00, 0x80]],
    ["0X13", [0x13]],
    ["ff01", [0xff, 0x01]],
    ["0x1", [0x01]],
    ["abc", [0x0a, 0xbc]],
  ])("reads the JSON bitmap %j byte by byte, first byte first", (b, bytes) => {
    expect(Array.from(value(parseGetStreamRequest(json({ f: 0, l: 256, b }), "json")).bitmap ?? [])).toEqual(bytes);
  });

  // Each boundary of [FD] and the code AWS names for it; every rejection echoes a valid client token.
  it.each<[string, Record<string, unknown>, string]>([
    ["f missing", { l: 256 }, "InvalidRequest"],
    ["f = -1", { f: -1, l: 256 }, "InvalidRequest"],
    ["f = 256", { f: 256, l: 256 }, "InvalidRequest"],
    ["f not an integer", { f: "0", l: 256 }, "InvalidRequest"],
    ["l missing", { f: 0 }, "InvalidRequest"],
    ["l = 1.5", { f: 0, l: 1.5 }, "InvalidRequest"],
    ["l = 255", { f: 0, l: 255 }, "BlockSizeOutOfBounds"],
    ["l = 131073", { f: 0, l: 131073 }, "BlockSizeOutOfBounds"],
    ["o = -1", { f: 0, l: 256, o: -1 }, "OffsetOutOfBounds"],
    ["o = 98305", { f: 0, l: 256, o: 98305 }, "OffsetOutOfBounds"],
    ["o not an integer", { f: 0, l: 256, o: "1" }, "InvalidRequest"],
    ["n = 0", { f: 0, l: 256, n: 0 }, "BlockCountLimitExceeded"],
    ["n = 98305", { f: 0, l: 256, n: 98305 }, "BlockCountLimitExceeded"],
    ["n not an integer", { f: 0, l: 256, n: 2.5 }, "InvalidRequest"],
    ["b of 12289 bytes", { f: 0, l: 256, b: "ab".repeat(12289) }, "BlockBitmapLimitExceeded"],
    ["b not hex", { f: 0, l: 256, b: "0xzz" }, "InvalidRequest"],
    ["b a number", { f: 0, l: 256, b: 1245312 }, "InvalidRequest"],
    ["s not an integer", { f: 0, l: 256, s: "1" }, "InvalidRequest"],
  ])("JSON: %s → %s", (_name, members, code) => {
    expect(refusal(parseGetStreamRequest(json({ c: TOKEN, ...members }), "json"))).toMatchObject({ code, clientToken: TOKEN });
  });

  it.each<[string, Record<string, CborValue>, string]>([
    ["l = 255", { f: 0, l: 255 }, "BlockSizeOutOfBounds"],
    ["o = 98305", { f: 0, l: 256, o: 98305 }, "OffsetOutOfBounds"],
    ["n beyond 2^53 (bigint)", { f: 0, l: 256, n: 2n ** 60n }, "BlockCountLimitExceeded"],
    ["b of 12289 bytes", { f: 0, l: 256, b: new Uint8Array(12289) }, "BlockBitmapLimitExceeded"],
    ["b as a text string", { f: 0, l: 256, b: "130080" }, "InvalidRequest"],
    ["f as a byte string", { f: Uint8Array.of(0), l: 256 }, "InvalidRequest"],
  ])("CBOR: %s → %s", (_name, members, code) => {
    expect(refusal(parseGetStreamRequest(cbor({ c: "rdy", ...members }), "cbor"))).toMatchObject({ code, clientToken: "rdy" });
  });

  it.each<[string, Record<string, unknown>]>([
    ["l = 256", { l: 256 }],
    ["l = 131072", { l: 131072 }],
    ["o = 98304", { l: 256, o: 98304 }],
    ["n = 1", { l: 256, n: 1 }],
    ["n = 98304", { l: 256, n: 98304 }],
    ["b of 12288 bytes (the bitmap of a 24 MB file in 256-byte blocks)", { l: 256, b: `0x${"ff".repeat(12288)}` }],
  ])("accepts the boundary %s", (_name, members) => {
    expect(parseGetStreamRequest(json({ f: 0, ...members }), "json").ok).toBe(true);
  });

  it("omits a malformed token from the rejection of a later error", () => {
    expect(refusal(parseGetStreamRequest(json({ c: 1, f: 0, l: 1 }), "json"))).toEqual({
      code: "InvalidRequest",
      message: "c (client token) must be a string",
    });
  });
});

describe("block selection", () => {
  const size = (blocks: number, blockSize = 256) => blocks * blockSize;

  it('selects relative blocks 0, 1, 4 and 23 for the bitmap "0x130080" (least-significant bit = lowest block) [FD]', () => {
    const bitmap = value(parseGetStreamRequest(json({ f: 0, l: 256, b: "0x130080" }), "json")).bitmap;
    expect(value(selectBlocks(request({ bitmap }), size(24)))).toEqual([0, 1, 4, 23]);
  });

  it("counts bitmap bits from the offset o", () => {
    expect(value(selectBlocks(request({ blockOffset: 10, bitmap: Uint8Array.of(0x13, 0x00, 0x80) }), size(34)))).toEqual([10, 11, 14, 33]);
  });

  it("uses n to cap how many selected blocks are sent, in ascending order", () => {
    expect(value(selectBlocks(request({ blockCount: 2, bitmap: Uint8Array.of(0x13, 0x00, 0x80) }), size(24)))).toEqual([0, 1]);
  });

  it("ignores set bits past the cap even when they lie past the end of the file", () => {
    // The embedded-C library sends the bytes of "MQ==" (0x4d…) as its bitmap with n = 1 [OTA].
    const bitmap = new TextEncoder().encode("MQ==");
    expect(value(selectBlocks(request({ blockOffset: 5, blockCount: 1, bitmap }), size(6)))).toEqual([5]);
  });

  it("sends n consecutive blocks from o without a bitmap", () => {
    expect(value(selectBlocks(request({ blockOffset: 3, blockCount: 4 }), size(10)))).toEqual([3, 4, 5, 6]);
  });

  it.each([
    [256, undefined, 512],
    [1024, undefined, 128],
    [4096, 1000, 32],
    [65536, 5, 2],
    [131072, 3, 1],
    [1000, undefined, 131],
  ])("sends at most 128 KB per request: l=%d n=%s → %d blocks [FD]", (blockSize, blockCount, expected) => {
    const selected = value(selectBlocks(request({ blockSize, ...(blockCount === undefined ? {} : { blockCount }) }), 10_000_000));
    expect(selected).toHaveLength(expected);
    expect(selected.length * blockSize).toBeLessThanOrEqual(131072);
  });

  it("caps the blocks a bitmap selects at 128 KB as well", () => {
    expect(value(selectBlocks(request({ blockSize: 65536, bitmap: Uint8Array.of(0xff) }), 10_000_000))).toEqual([0, 1]);
  });

  it.each<[string, Partial<GetStreamRequest>, number]>([
    ["o at the end", { blockOffset: 4, blockCount: 1 }, 4],
    ["a range running past the end", { blockOffset: 3, blockCount: 2 }, 4],
    ["the default n on a file under 128 KB", {}, 4],
    ["a bitmap bit past the end", { bitmap: Uint8Array.of(0x11) }, 4],
  ])("refuses %s with ResourceNotFound", (_name, overrides, block) => {
    const refused = refusal(selectBlocks(request(overrides), 1000));
    expect(refused.code).toBe("ResourceNotFound");
    expect(refused.message).toContain(`Block ${block} `);
  });

  it("refuses an empty file: it has no blocks", () => {
    expect(refusal(selectBlocks(request({ blockCount: 1 }), 0)).code).toBe("ResourceNotFound");
  });

  it("refuses a bitmap that selects nothing", () => {
    expect(refusal(selectBlocks(request({ bitmap: Uint8Array.of(0, 0) }), 1000)).code).toBe("InvalidRequest");
    expect(refusal(selectBlocks(request({ bitmap: new Uint8Array() }), 1000)).code).toBe("InvalidRequest");
  });
});

describe("planGetStream", () => {
  it("plans byte ranges with a short last block", () => {
    expect(value(planGetStream(stream, new Map([[0, 1000]]), request({ blockCount: 4, clientToken: TOKEN })))).toEqual({
      clientToken: TOKEN,
      fileId: 0,
      blocks: [
        { index: 0, start: 0, length: 256 },
        { index: 1, start: 256, length: 256 },
        { index: 2, start: 512, length: 256 },
        { index: 3, start: 768, length: 232 },
      ],
    });
  });

  it("sends the rest when the device asks again from the next offset [FD]", () => {
    // 200000 bytes in 4096-byte blocks = 49 blocks; one request carries at most 32 of them (128 KB).
    const fileSizes = new Map([[0, 200_000]]);
    const first = value(planGetStream(stream, fileSizes, request({ blockSize: 4096, blockCount: 49 })));
    expect(first.blocks.map((block) => block.index)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    const rest = value(planGetStream(stream, fileSizes, request({ blockSize: 4096, blockOffset: 32, blockCount: 17 })));
    expect(rest.blocks.map((block) => block.index)).toEqual(Array.from({ length: 17 }, (_, i) => 32 + i));
    expect(rest.blocks.at(-1)).toEqual({ index: 48, start: 196608, length: 3392 });
  });

  it("accepts the expected stream version and refuses another with VersionMismatch", () => {
    expect(planGetStream(stream, sizes, request({ streamVersion: 1, blockCount: 1 })).ok).toBe(true);
    expect(refusal(planGetStream({ ...stream, streamVersion: 2 }, sizes, request({ streamVersion: 1, blockCount: 1, clientToken: "rdy" })))).toEqual({
      code: "VersionMismatch",
      message: "Stream stream1 is at version 2, not the requested version 1",
      clientToken: "rdy",
    });
  });

  it("refuses a file the stream does not have, and one whose bytes are missing, with ResourceNotFound", () => {
    expect(refusal(planGetStream(stream, sizes, request({ fileId: 7, blockCount: 1 }))).code).toBe("ResourceNotFound");
    expect(refusal(planGetStream(stream, new Map([[1, 10]]), request({ fileId: 0, blockCount: 1, clientToken: "x" })))).toMatchObject({
      code: "ResourceNotFound",
      clientToken: "x",
    });
  });

  it("echoes the client token on a block-selection refusal", () => {
    expect(refusal(planGetStream(stream, sizes, request({ fileId: 1, blockOffset: 200, blockCount: 1, clientToken: "x" })))).toMatchObject({
      code: "ResourceNotFound",
      clientToken: "x",
    });
  });
});

describe("replies", () => {
  it("describes the stream as in the developer guide example [FD]", () => {
    expect(value(describeStreamResponse(stream, sizes, { clientToken: TOKEN }))).toEqual({
      c: TOKEN,
      s: 1,
      d: "This is the description of stream ABC.",
      r: [
        { f: 0, z: 131072 },
        { f: 1, z: 51200 },
      ],
    });
  });

  it("omits c and d when absent", () => {
    const { description: _omitted, ...bare } = stream;
    expect(value(describeStreamResponse(bare, sizes, {}))).toEqual({
      s: 1,
      r: [
        { f: 0, z: 131072 },
        { f: 1, z: 51200 },
      ],
    });
  });

  it("refuses to describe a stream whose file bytes are missing", () => {
    expect(refusal(describeStreamResponse(stream, new Map([[0, 1]]), { clientToken: "x" }))).toMatchObject({
      code: "ResourceNotFound",
      clientToken: "x",
    });
  });

  const plan = value(planGetStream(stream, new Map([[0, 300]]), request({ blockCount: 2, clientToken: "rdy" })));
  const lastBlock = plan.blocks[1];
  if (lastBlock === undefined) throw new Error("plan has two blocks");
  const data = Uint8Array.from({ length: 44 }, (_, i) => i);
  const message = dataBlockMessage(plan, lastBlock, data);

  it("reports the actual length of the short last block", () => {
    expect(message).toEqual({ c: "rdy", f: 0, l: 44, i: 1, p: data });
  });

  it("sends p as base64 in JSON", () => {
    const decoded = JSON.parse(new TextDecoder().decode(encodeFileDeliveryMessage(message, "json")));
    expect(decoded).toEqual({ c: "rdy", f: 0, l: 44, i: 1, p: Buffer.from(data).toString("base64") });
  });

  it("sends p as a byte string in CBOR, with the keys FreeRTOS OTA decodes (f, i, l, p) [OTA]", () => {
    const decoded = decodeCbor(encodeFileDeliveryMessage(message, "cbor"));
    expect(decoded).toEqual(
      new Map<string, CborValue>([
        ["c", "rdy"],
        ["f", 0],
        ["l", 44],
        ["i", 1],
        ["p", data],
      ]),
    );
  });

  it("base64-encodes a full 128 KB block", () => {
    const big = new Uint8Array(131072).map((_, i) => i % 251);
    const text = new TextDecoder().decode(encodeFileDeliveryMessage({ f: 0, l: big.length, i: 0, p: big }, "json"));
    expect(Buffer.from(JSON.parse(text).p, "base64").equals(Buffer.from(big))).toBe(true);
  });

  it("encodes a DescribeStream reply in CBOR with the r/z keys", () => {
    const reply = value(describeStreamResponse(stream, sizes, {}));
    expect(decodeCbor(encodeFileDeliveryMessage(reply, "cbor"))).toEqual(
      new Map<string, CborValue>([
        ["s", 1],
        ["d", stream.description ?? ""],
        [
          "r",
          [
            new Map<string, CborValue>([
              ["f", 0],
              ["z", 131072],
            ]),
            new Map<string, CborValue>([
              ["f", 1],
              ["z", 51200],
            ]),
          ],
        ],
      ]),
    );
  });

  it("renders rejections as {o, m, c?}", () => {
    const withToken = rejectedMessage(rejection("BlockSizeOutOfBounds", "The block size is out of bounds", "rdy"));
    expect(withToken).toEqual({ o: "BlockSizeOutOfBounds", m: "The block size is out of bounds", c: "rdy" });
    expect(JSON.parse(new TextDecoder().decode(encodeFileDeliveryMessage(rejectedMessage(rejection("InvalidJson", "bad")), "json")))).toEqual({
      o: "InvalidJson",
      m: "bad",
    });
    expect(decodeCbor(encodeFileDeliveryMessage(withToken, "cbor"))).toEqual(
      new Map([
        ["o", "BlockSizeOutOfBounds"],
        ["m", "The block size is out of bounds"],
        ["c", "rdy"],
      ]),
    );
  });

  it.each([
    ["description", "json", "$aws/things/thing1/streams/stream1/description/json"],
    ["data", "cbor", "$aws/things/thing1/streams/stream1/data/cbor"],
    ["rejected", "json", "$aws/things/thing1/streams/stream1/rejected/json"],
  ] as const)("replies on …/%s/%s", (kind, format, topic) => {
    expect(fileDeliveryReplyTopic("thing1", "stream1", kind, format)).toBe(topic);
  });
});
