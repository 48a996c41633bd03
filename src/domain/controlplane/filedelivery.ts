/**
 * MQTT-based file delivery, the device side of streams: DescribeStream and GetStream requests published on
 * `$aws/things/{thing}/streams/{streamId}/{describe|get}/{json|cbor}` and the replies on `…/description/F`,
 * `…/data/F` and `…/rejected/F`, in the format of the request topic.
 * Sources: control-plane.md §4; AWS IoT developer guide "Using AWS IoT MQTT-based file delivery in devices"
 * [FD]; FreeRTOS OTA `ota_cbor_private.h` (CBOR keys c f l o b d r z i p n) and
 * aws-iot-core-mqtt-file-streams-embedded-c `MQTTFileDownloader.c` (requests `{"s":1,"f","l","o","n"}`) [OTA].
 *
 * Pure: the caller passes the stream record and the file sizes, then reads the planned byte ranges itself.
 * Outcomes are values, not exceptions, because a refusal is a normal reply (`…/rejected/F`) with its own codes.
 */

import { bytesToBase64 } from "../base64";
import { type CborValue, decodeCbor, encodeCbor } from "./cbor";
import { omitUndefined, utf8Length } from "./fields";
import type { StreamRecord } from "./streams";

export type PayloadFormat = "json" | "cbor";

/** Error codes of `…/rejected/F` [FD]. */
export const REJECTION_CODES = [
  "InvalidTopic",
  "InvalidJson",
  "InvalidCbor",
  "InvalidRequest",
  "Unauthorized",
  "BlockSizeOutOfBounds",
  "OffsetOutOfBounds",
  "BlockCountLimitExceeded",
  "BlockBitmapLimitExceeded",
  "ResourceNotFound",
  "VersionMismatch",
  "ETagMismatch",
  "InternalError",
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  code: RejectionCode;
  message: string;
  /** Echoed when the request carried a well-formed client token. */
  clientToken?: string;
}

export type DeliveryResult<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export const FILE_DELIVERY_LIMITS = {
  clientTokenMaxBytes: 64,
  maxFileId: 255,
  minBlockSize: 256,
  maxBlockSize: 131072,
  /** 98304 = 24 MB / 256 B: offsets and counts are in blocks. */
  maxBlockOffset: 98304,
  maxBlockCount: 98304,
  /** 98304 bits: the bitmap of a 24 MB file in 256-byte blocks, so a bitmap of exactly this size is accepted. */
  maxBitmapBytes: 12288,
  /** One GetStream returns at most 128 KB of block data; the device asks again for the rest [FD]. */
  maxBytesPerRequest: 131072,
} as const;

export interface DescribeStreamRequest {
  clientToken?: string;
}

export interface GetStreamRequest {
  clientToken?: string;
  /** `s`: the stream version the device expects. */
  streamVersion?: number;
  /** `f` */
  fileId: number;
  /** `l`, in bytes. */
  blockSize: number;
  /** `o`, in blocks; 0 when absent. */
  blockOffset: number;
  /** `n`; absent means as many as fit in 128 KB. */
  blockCount?: number;
  /** `b`: bit i of byte k selects block `o + 8k + i`, least-significant bit first. */
  bitmap?: Uint8Array;
}

/** DescribeStream reply: `{c?, s, d?, r: [{f, z}]}`. */
export interface DescribeStreamResponse {
  c?: string;
  s: number;
  d?: string;
  r: { f: number; z: number }[];
}

/** One data block: `{c?, f, l, i, p}`; `p` is base64 in JSON and a byte string in CBOR. */
export interface DataBlockMessage {
  c?: string;
  f: number;
  l: number;
  i: number;
  p: Uint8Array;
}

/** `…/rejected/F`: `{o, m, c?}`. */
export interface RejectedMessage {
  o: RejectionCode;
  m: string;
  c?: string;
}

export type FileDeliveryMessage = DescribeStreamResponse | DataBlockMessage | RejectedMessage;

/** One block to send: its index in the file and its byte range. */
export interface BlockPlan {
  index: number;
  start: number;
  length: number;
}

export interface GetStreamPlan {
  clientToken?: string;
  fileId: number;
  blocks: BlockPlan[];
}

export type ReplyKind = "description" | "data" | "rejected";

export function fileDeliveryReplyTopic(thingName: string, streamId: string, kind: ReplyKind, format: PayloadFormat): string {
  return `$aws/things/${thingName}/streams/${streamId}/${kind}/${format}`;
}

export function rejection(code: RejectionCode, message: string, clientToken?: string): Rejection {
  return omitUndefined({ code, message, clientToken });
}

export function rejectedMessage(refusal: Rejection): RejectedMessage {
  return omitUndefined({ o: refusal.code, m: refusal.message, c: refusal.clientToken });
}

// ---- Requests ----

export function parseDescribeStreamRequest(payload: Uint8Array, format: PayloadFormat): DeliveryResult<DescribeStreamRequest> {
  const decoded = decodeRequest(payload, format);
  if (!decoded.ok) return decoded;
  const token = readClientToken(decoded.value);
  if (!token.ok) return token;
  return ok(omitUndefined({ clientToken: token.value }));
}

export function parseGetStreamRequest(payload: Uint8Array, format: PayloadFormat): DeliveryResult<GetStreamRequest> {
  const decoded = decodeRequest(payload, format);
  if (!decoded.ok) return decoded;
  const members = decoded.value;
  const token = readClientToken(members);
  if (!token.ok) return token;
  const clientToken = token.value;
  const fail = (code: RejectionCode, message: string): DeliveryResult<never> => refuse(code, message, clientToken);
  const limits = FILE_DELIVERY_LIMITS;

  const streamVersion = members.get("s");
  if (streamVersion !== undefined && !isInteger(streamVersion)) {
    return fail("InvalidRequest", "s (stream version) must be an integer");
  }

  const fileId = members.get("f");
  if (fileId === undefined) return fail("InvalidRequest", "f (file id) is required");
  if (!isInteger(fileId) || fileId < 0 || fileId > limits.maxFileId) {
    return fail("InvalidRequest", `f (file id) must be an integer from 0 to ${limits.maxFileId}`);
  }

  const blockSize = members.get("l");
  if (blockSize === undefined) return fail("InvalidRequest", "l (block size) is required");
  if (!isInteger(blockSize)) return fail("InvalidRequest", "l (block size) must be an integer");
  if (blockSize < limits.minBlockSize || blockSize > limits.maxBlockSize) {
    return fail("BlockSizeOutOfBounds", `l (block size) must be from ${limits.minBlockSize} to ${limits.maxBlockSize}`);
  }

  const blockOffset = members.get("o") ?? 0;
  if (!isInteger(blockOffset)) return fail("InvalidRequest", "o (block offset) must be an integer");
  if (blockOffset < 0 || blockOffset > limits.maxBlockOffset) {
    return fail("OffsetOutOfBounds", `o (block offset) must be from 0 to ${limits.maxBlockOffset} blocks`);
  }

  const blockCount = members.get("n");
  if (blockCount !== undefined && !isInteger(blockCount)) {
    return fail("InvalidRequest", "n (number of blocks) must be an integer");
  }
  // n = 0 would ask for nothing and leave the device without any reply; it is refused like any count out of range.
  if (blockCount !== undefined && (blockCount < 1 || blockCount > limits.maxBlockCount)) {
    return fail("BlockCountLimitExceeded", `n (number of blocks) must be from 1 to ${limits.maxBlockCount}`);
  }

  const bitmap = readBitmap(members.get("b"), format);
  if (!bitmap.ok) return fail(bitmap.rejection.code, bitmap.rejection.message);

  return ok(
    omitUndefined({
      clientToken,
      // CBOR integers past 2^53 arrive as bigint; Number() loses precision there, but no version is that large.
      streamVersion: streamVersion === undefined ? undefined : Number(streamVersion),
      fileId: Number(fileId),
      blockSize: Number(blockSize),
      blockOffset: Number(blockOffset),
      blockCount: blockCount === undefined ? undefined : Number(blockCount),
      bitmap: bitmap.value,
    }),
  );
}

// ---- Replies ----

/**
 * DescribeStream: the stream version, description and every file with its size in bytes. `fileSizes` maps each
 * fileId to the length of its stored object; a file whose object is missing cannot be described.
 */
export function describeStreamResponse(
  stream: StreamRecord,
  fileSizes: ReadonlyMap<number, number>,
  request: DescribeStreamRequest,
): DeliveryResult<DescribeStreamResponse> {
  const files: { f: number; z: number }[] = [];
  for (const file of stream.files) {
    const size = fileSizes.get(file.fileId);
    if (size === undefined) return missingFile(stream, file.fileId, request.clientToken);
    files.push({ f: file.fileId, z: size });
  }
  return ok(omitUndefined({ c: request.clientToken, s: stream.streamVersion, d: stream.description, r: files }));
}

/**
 * GetStream: checks the expected version and the file, then plans which blocks to send (selectBlocks) and the
 * byte range of each. The caller reads each range and publishes one dataBlockMessage per block on `…/data/F`.
 */
export function planGetStream(
  stream: StreamRecord,
  fileSizes: ReadonlyMap<number, number>,
  request: GetStreamRequest,
): DeliveryResult<GetStreamPlan> {
  const token = request.clientToken;
  if (request.streamVersion !== undefined && request.streamVersion !== stream.streamVersion) {
    const versions = `is at version ${stream.streamVersion}, not the requested version ${request.streamVersion}`;
    return refuse("VersionMismatch", `Stream ${stream.streamId} ${versions}`, token);
  }
  if (!stream.files.some((file) => file.fileId === request.fileId)) {
    return refuse("ResourceNotFound", `Stream ${stream.streamId} has no file with id ${request.fileId}`, token);
  }
  const size = fileSizes.get(request.fileId);
  if (size === undefined) return missingFile(stream, request.fileId, token);
  const selected = selectBlocks(request, size);
  if (!selected.ok) return refuse(selected.rejection.code, selected.rejection.message, token);
  const blocks = selected.value.map((index) => {
    const start = index * request.blockSize;
    return { index, start, length: Math.min(request.blockSize, size - start) };
  });
  return ok(omitUndefined({ clientToken: token, fileId: request.fileId, blocks }));
}

/**
 * Which block indexes one GetStream sends, in ascending order:
 * - without a bitmap, `n` consecutive blocks from `o`;
 * - with a bitmap, the blocks whose bits are set, relative to `o`, and `n` only caps how many [FD];
 * - never more than 128 KB of block data: `floor(131072 / l)` blocks, which is also the default `n` [FD].
 * A selected block that lies past the end of the file is refused with ResourceNotFound: AWS warns that a request
 * with neither `n` nor `b` "might not be valid when the file size is less than 131072 bytes" (*unverified* code).
 * The last block of a file is shorter than `l` (see planGetStream).
 */
export function selectBlocks(
  request: Pick<GetStreamRequest, "fileId" | "blockSize" | "blockOffset" | "blockCount" | "bitmap">,
  fileSize: number,
): DeliveryResult<number[]> {
  const perRequest = Math.floor(FILE_DELIVERY_LIMITS.maxBytesPerRequest / request.blockSize);
  const limit = Math.min(request.blockCount ?? perRequest, perRequest);
  const selected: number[] = [];
  if (request.bitmap === undefined) {
    for (let i = 0; i < limit; i += 1) selected.push(request.blockOffset + i);
  } else {
    collect: for (let byte = 0; byte < request.bitmap.length; byte += 1) {
      const bits = request.bitmap[byte] ?? 0;
      for (let bit = 0; bit < 8; bit += 1) {
        if ((bits & (1 << bit)) === 0) continue;
        if (selected.length === limit) break collect;
        selected.push(request.blockOffset + byte * 8 + bit);
      }
    }
    if (selected.length === 0) return refuse("InvalidRequest", "b (block bitmap) selects no blocks");
  }
  const fileBlocks = Math.ceil(fileSize / request.blockSize);
  const beyond = selected.find((index) => index >= fileBlocks);
  if (beyond !== undefined) {
    const file = `file ${request.fileId}, which has ${fileBlocks} block(s) of ${request.blockSize} bytes`;
    return refuse("ResourceNotFound", `Block ${beyond} is past the end of ${file}`);
  }
  return ok(selected);
}

export function dataBlockMessage(plan: GetStreamPlan, block: BlockPlan, data: Uint8Array): DataBlockMessage {
  return omitUndefined({ c: plan.clientToken, f: plan.fileId, l: data.length, i: block.index, p: data });
}

/** Serializes a reply: JSON with `p` as base64, or CBOR with `p` as a byte string. */
export function encodeFileDeliveryMessage(message: FileDeliveryMessage, format: PayloadFormat): Uint8Array {
  if (format === "cbor") return encodeCbor({ ...message });
  const bytesAsBase64 = (_key: string, value: unknown): unknown => (value instanceof Uint8Array ? bytesToBase64(value) : value);
  return new TextEncoder().encode(JSON.stringify(message, bytesAsBase64));
}

// ---- Helpers ----

function ok<T>(value: T): DeliveryResult<T> {
  return { ok: true, value };
}

function refuse(code: RejectionCode, message: string, clientToken?: string): DeliveryResult<never> {
  return { ok: false, rejection: rejection(code, message, clientToken) };
}

function missingFile(stream: StreamRecord, fileId: number, clientToken: string | undefined): DeliveryResult<never> {
  return refuse("ResourceNotFound", `File ${fileId} of stream ${stream.streamId} is not available`, clientToken);
}

/**
 * The request's members by key. An empty payload reads as no members (a DescribeStream needs none), and a
 * member whose value is null reads as absent, in both formats.
 */
function decodeRequest(payload: Uint8Array, format: PayloadFormat): DeliveryResult<ReadonlyMap<string, unknown>> {
  if (payload.length === 0) return ok(new Map());
  if (format === "cbor") {
    let value: CborValue;
    try {
      value = decodeCbor(payload);
    } catch (error) {
      return refuse("InvalidCbor", error instanceof Error ? error.message : "Invalid CBOR");
    }
    if (!(value instanceof Map)) return refuse("InvalidRequest", "The request must be a CBOR map");
    return ok(withoutNulls(value.entries()));
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(payload));
  } catch {
    return refuse("InvalidJson", "The request is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse("InvalidRequest", "The request must be a JSON object");
  }
  return ok(withoutNulls(Object.entries(value)));
}

function withoutNulls(entries: Iterable<[string, unknown]>): ReadonlyMap<string, unknown> {
  return new Map([...entries].filter(([, member]) => member !== null));
}

/** `c`: at most 64 bytes [FD]. A malformed token is not echoed. */
function readClientToken(members: ReadonlyMap<string, unknown>): DeliveryResult<string | undefined> {
  const token = members.get("c");
  if (token === undefined) return ok(undefined);
  if (typeof token !== "string") return refuse("InvalidRequest", "c (client token) must be a string");
  const limit = FILE_DELIVERY_LIMITS.clientTokenMaxBytes;
  if (utf8Length(token) > limit) {
    return refuse("InvalidRequest", `c (client token) must not be longer than ${limit} bytes`);
  }
  return ok(token);
}

/** `b`: a hex string in JSON (with or without `0x`; *unverified* which AWS requires), a byte string in CBOR. */
function readBitmap(value: unknown, format: PayloadFormat): DeliveryResult<Uint8Array | undefined> {
  if (value === undefined) return ok(undefined);
  let bitmap: Uint8Array;
  if (format === "cbor") {
    if (!(value instanceof Uint8Array)) return refuse("InvalidRequest", "b (block bitmap) must be a byte string");
    bitmap = value;
  } else {
    if (typeof value !== "string") return refuse("InvalidRequest", "b (block bitmap) must be a hex string");
    const digits = /^0x/i.test(value) ? value.slice(2) : value;
    if (!/^[0-9a-fA-F]*$/.test(digits)) return refuse("InvalidRequest", "b (block bitmap) must be a hex string");
    if (Math.ceil(digits.length / 2) > FILE_DELIVERY_LIMITS.maxBitmapBytes) return bitmapTooLarge();
    bitmap = fromHex(digits);
  }
  if (bitmap.length > FILE_DELIVERY_LIMITS.maxBitmapBytes) return bitmapTooLarge();
  return ok(bitmap);
}

function bitmapTooLarge(): DeliveryResult<never> {
  const limit = FILE_DELIVERY_LIMITS.maxBitmapBytes;
  return refuse("BlockBitmapLimitExceeded", `b (block bitmap) must not be longer than ${limit} bytes`);
}

/**
 * Hex digits in byte order: the first two digits are byte 0 (blocks o…o+7). An odd count gets a leading zero,
 * so "0x1" is the single byte 0x01.
 */
function fromHex(digits: string): Uint8Array {
  const even = digits.length % 2 === 0 ? digits : `0${digits}`;
  const bytes = new Uint8Array(even.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(even.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function isInteger(value: unknown): value is number | bigint {
  return typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value));
}
