/**
 * MQTT-based file delivery (the device side of streams, control-plane.md §4): answers a DescribeStream or
 * GetStream request published on `$aws/things/{thing}/streams/{streamId}/{describe|get}/{json|cbor}`.
 * A thin adapter: the stream comes from the catalog through its region's replica (objects/streamReplica.ts, cached a
 * few seconds in this isolate too), the file bytes from the STREAM_FILES R2 bucket at `{bucket}/{key}`, every rule
 * from domain/controlplane/filedelivery, and the replies leave through fanOut.
 */

import type { S3Location } from "../domain/controlplane/fields";
import {
  type BlockPlan,
  type DeliveryResult,
  dataBlockMessage,
  describeStreamResponse,
  encodeFileDeliveryMessage,
  type FileDeliveryMessage,
  fileDeliveryReplyTopic,
  parseDescribeStreamRequest,
  parseGetStreamRequest,
  planGetStream,
  type RejectionCode,
  type ReplyKind,
  rejectedMessage,
  rejection,
} from "../domain/controlplane/filedelivery";
import type { StreamFile, StreamRecord } from "../domain/controlplane/streams";
import type { Message } from "../domain/message";
import { poolConfigOf, type Region, regionOf } from "../domain/placement";
import type { ReservedTopic } from "../domain/topics";
import { TtlCache } from "../domain/ttlCache";
import type { StreamDescription } from "./streamReplica";

/** How long this isolate serves a stream its replica answered (a hub's devices ask for the same stream again and again). */
const ISOLATE_TTL_MS = 5_000;

const streamReplicaStub = (env: Env, region: Region) => env.STREAM_REPLICAS.getByName(`streams-${region}`, { locationHint: region });

export type StreamRequest = Extract<ReservedTopic, { kind: "stream" }>;

/** The replies to one request, all on one topic kind: one description, the data blocks in order, or a rejection. */
interface Answer {
  kind: ReplyKind;
  messages: FileDeliveryMessage[];
}

/**
 * Answers one request on `…/description/F`, `…/data/F` (one message per block, in block order) or `…/rejected/F`,
 * in the request's format and at the request's QoS. A failure of the catalog or of R2 is answered with
 * InternalError rather than thrown, so the device hears back and its connection is not affected.
 */
export async function answerStreamRequest(
  env: Env,
  request: StreamRequest,
  message: Message,
  send: (replies: Message[]) => Promise<void>,
  region?: Region,
): Promise<void> {
  let answer: Answer;
  try {
    const result =
      request.operation === "describe" ? await describe(env, request, message.payload, region) : await get(env, request, message.payload, region);
    answer = result.ok ? result.value : { kind: "rejected", messages: [rejectedMessage(result.rejection)] };
  } catch (error) {
    console.error(`file delivery ${request.operation} of stream ${request.streamId} failed`, error);
    answer = { kind: "rejected", messages: [rejectedMessage(rejection("InternalError", "Internal error"))] };
  }
  const topic = fileDeliveryReplyTopic(request.thingName, request.streamId, answer.kind, request.format);
  // One batch on one topic: each index delivers the blocks in order, with one call however many blocks there are.
  await send(answer.messages.map((reply) => ({ topic, payload: encodeFileDeliveryMessage(reply, request.format), qos: message.qos, retain: false })));
}

async function describe(env: Env, request: StreamRequest, payload: Uint8Array, region?: Region): Promise<DeliveryResult<Answer>> {
  const parsed = parseDescribeStreamRequest(payload, request.format);
  if (!parsed.ok) return parsed;
  const stream = await readStream(env, request.streamId, parsed.value.clientToken, region);
  if (!stream.ok) return stream;
  const objects = await headFiles(env, stream.value.files);
  const described = describeStreamResponse(stream.value, sizesOf(objects), parsed.value);
  return described.ok ? { ok: true, value: { kind: "description", messages: [described.value] } } : described;
}

async function get(env: Env, request: StreamRequest, payload: Uint8Array, region?: Region): Promise<DeliveryResult<Answer>> {
  const parsed = parseGetStreamRequest(payload, request.format);
  if (!parsed.ok) return parsed;
  const token = parsed.value.clientToken;
  const stream = await readStream(env, request.streamId, token, region);
  if (!stream.ok) return stream;
  const file = stream.value.files.find((candidate) => candidate.fileId === parsed.value.fileId);
  const objects = await headFiles(env, file === undefined ? [] : [file]);
  const plan = planGetStream(stream.value, sizesOf(objects), parsed.value);
  if (!plan.ok) return plan;
  // planGetStream only plans for a file of the stream whose object exists.
  const object = objects.get(plan.value.fileId)!;
  const blocks = await readBlocks(env, object, plan.value.blocks);
  if (blocks === undefined) {
    return refuse("ETagMismatch", `File ${plan.value.fileId} of stream ${request.streamId} changed while it was read`, token);
  }
  const messages = plan.value.blocks.map((block, i) => dataBlockMessage(plan.value, block, blocks[i]!));
  return { ok: true, value: { kind: "data", messages } };
}

/** Streams this isolate read from its replicas lately (found ones only), by `{region}/{streamId}`. */
const isolateStreams = new TtlCache<StreamDescription>(ISOLATE_TTL_MS, 1_000, (outcome) => outcome.ok);

async function readStream(env: Env, streamId: string, clientToken: string | undefined, region?: Region): Promise<DeliveryResult<StreamRecord>> {
  const at = region ?? regionOf(undefined, poolConfigOf(env));
  const outcome = await isolateStreams.get(
    `${at}/${streamId}`,
    () => streamReplicaStub(env, at).describeStream(streamId) as Promise<StreamDescription>,
  );
  if (outcome.ok) return { ok: true, value: outcome.value.streamInfo };
  return refuse(outcome.kind === "ResourceNotFound" ? "ResourceNotFound" : "InternalError", outcome.message, clientToken);
}

/**
 * The stored object of each file, by fileId; a file whose object is missing is left out (the domain answers
 * ResourceNotFound). R2 keeps one version per key, so `s3Location.version` is not consulted.
 */
async function headFiles(env: Env, files: StreamFile[]): Promise<Map<number, R2Object>> {
  const heads = await Promise.all(files.map(async (file) => [file.fileId, await env.STREAM_FILES.head(objectKey(file.s3Location))] as const));
  return new Map(heads.flatMap(([fileId, object]) => (object === null ? [] : [[fileId, object] as const])));
}

function sizesOf(objects: ReadonlyMap<number, R2Object>): Map<number, number> {
  return new Map([...objects].map(([fileId, object]) => [fileId, object.size]));
}

function objectKey(location: S3Location): string {
  return `${location.bucket}/${location.key}`;
}

/**
 * The bytes of each planned block, read with one ranged get per run of adjacent blocks (usually one run) and only
 * from the object whose size was planned with (its etag): undefined when the object was replaced or deleted since.
 */
async function readBlocks(env: Env, object: R2Object, blocks: BlockPlan[]): Promise<Uint8Array[] | undefined> {
  const runs = adjacentRuns(blocks);
  const reads = await Promise.all(
    runs.map(async (run) => {
      const first = run[0]!;
      const length = run.reduce((sum, block) => sum + block.length, 0);
      const body = await env.STREAM_FILES.get(object.key, { range: { offset: first.start, length }, onlyIf: { etagMatches: object.etag } });
      if (body === null || !("arrayBuffer" in body)) return undefined;
      const bytes = new Uint8Array(await body.arrayBuffer());
      if (bytes.length !== length) return undefined;
      return run.map((block) => bytes.subarray(block.start - first.start, block.start - first.start + block.length));
    }),
  );
  if (reads.some((read) => read === undefined)) return undefined;
  return reads.flatMap((read) => read ?? []);
}

/** Splits blocks (in ascending order) into runs whose byte ranges follow one another without a gap. */
function adjacentRuns(blocks: BlockPlan[]): BlockPlan[][] {
  const runs: BlockPlan[][] = [];
  for (const block of blocks) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run !== undefined && last !== undefined && last.start + last.length === block.start) run.push(block);
    else runs.push([block]);
  }
  return runs;
}

function refuse(code: RejectionCode, message: string, clientToken: string | undefined): DeliveryResult<never> {
  return { ok: false, rejection: rejection(code, message, clientToken) };
}
