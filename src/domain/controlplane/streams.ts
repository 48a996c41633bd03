/**
 * AWS IoT streams (CreateStream, DescribeStream, ListStreams, UpdateStream, DeleteStream): input validation,
 * the record a storage adapter persists, and the output shapes of the Smithy model (iot-2015-05-28).
 * Sources: control-plane.md §2; [seed] update_stream ("The stream version will be incremented by one");
 * aws-cli examples/iot/create-stream.rst (a new stream has version 1).
 * Every validation failure is InvalidRequestException, the stream operations' only modelled client error.
 */

import { iotArn } from "../../auth/arn";
import { ServiceError } from "../errors";
import type { ArnContext } from "./arn";
import { streamFields as fields, omitUndefined, type S3Location, TAG_LIMITS } from "./fields";

export interface StreamFile {
  fileId: number;
  s3Location: S3Location;
}

/** Tags of CreateStream are a list of {Key, Value} (TagList), unlike the package operations' map. */
export interface Tag {
  Key: string;
  Value?: string;
}

export interface StreamRecord {
  streamId: string;
  streamArn: string;
  description?: string;
  files: StreamFile[];
  roleArn: string;
  streamVersion: number;
  /** Epoch seconds. */
  createdAt: number;
  /** Epoch seconds. */
  lastUpdatedAt: number;
  tags?: Tag[];
}

export interface CreateStreamInput {
  description?: string;
  files: StreamFile[];
  roleArn: string;
  tags?: Tag[];
}

export interface UpdateStreamInput {
  description?: string;
  files?: StreamFile[];
  roleArn?: string;
}

export interface ListStreamsQuery {
  maxResults?: number;
  nextToken?: string;
  /** Query parameter `isAscendingOrder`; default false (newest first). */
  ascendingOrder: boolean;
}

export const STREAM_LIMITS = {
  idMaxLength: 128,
  descriptionMaxLength: 2028,
  minFiles: 1,
  maxFiles: 50,
  maxFileId: 255,
  /** StreamVersion is an int 0–65535 [MI]; an update that would pass it fails with LimitExceeded. */
  maxStreamVersion: 65535,
  maxListResults: 250,
} as const;

const STREAM_ID = /^[a-zA-Z0-9_-]+$/;

/** Length and pattern of a stream id, for topic parsing. */
export const isStreamId = (streamId: string): boolean =>
  streamId.length >= 1 && streamId.length <= STREAM_LIMITS.idMaxLength && STREAM_ID.test(streamId);

export function validateStreamId(streamId: string): void {
  fields.string(streamId, "streamId", { min: 1, max: STREAM_LIMITS.idMaxLength, pattern: STREAM_ID });
}

export function parseCreateStreamInput(body: unknown): CreateStreamInput {
  const members = fields.body(body);
  if (members.files === undefined) fields.constraint("files", "not be null");
  if (members.roleArn === undefined) fields.constraint("roleArn", "not be null");
  return omitUndefined({
    description: parseDescription(members.description),
    files: parseFiles(members.files),
    roleArn: fields.roleArn(members.roleArn, "roleArn"),
    tags: parseTags(members.tags),
  });
}

/** Every member is optional; omitted members keep their stored values (PUT read as a patch, *unverified*). */
export function parseUpdateStreamInput(body: unknown): UpdateStreamInput {
  const members = fields.body(body);
  return omitUndefined({
    description: parseDescription(members.description),
    files: fields.optional(members.files, parseFiles),
    roleArn: fields.optional(members.roleArn, (roleArn) => fields.roleArn(roleArn, "roleArn")),
  });
}

/** Query of ListStreams: `maxResults` 1–250, `nextToken`, `isAscendingOrder` [MI]. */
export function parseListStreamsQuery(query: Readonly<Record<string, string | undefined>>): ListStreamsQuery {
  const ascending = query.isAscendingOrder;
  if (ascending !== undefined && ascending !== "true" && ascending !== "false") {
    fields.constraint("isAscendingOrder", "be a boolean");
  }
  return omitUndefined({
    maxResults: fields.queryInteger(query.maxResults, "maxResults", 1, STREAM_LIMITS.maxListResults),
    nextToken: query.nextToken,
    ascendingOrder: ascending === "true",
  });
}

export function createStream(streamId: string, input: CreateStreamInput, now: number, arn: ArnContext): StreamRecord {
  validateStreamId(streamId);
  return omitUndefined({
    streamId,
    streamArn: iotArn.stream(arn.region, arn.account, streamId),
    description: input.description,
    files: input.files,
    roleArn: input.roleArn,
    // aws-cli create-stream example: a new stream reports "streamVersion": 1.
    streamVersion: 1,
    createdAt: now,
    lastUpdatedAt: now,
    tags: input.tags,
  });
}

/** UpdateStream always increments the version by one [seed], even when nothing else changes. */
export function updateStream(record: StreamRecord, input: UpdateStreamInput, now: number): StreamRecord {
  const streamVersion = record.streamVersion + 1;
  if (streamVersion > STREAM_LIMITS.maxStreamVersion) {
    throw new ServiceError(
      "LimitExceeded",
      `Stream ${record.streamId} is at the maximum version ${STREAM_LIMITS.maxStreamVersion} and cannot be updated`,
    );
  }
  return { ...record, ...omitUndefined(input), streamVersion, lastUpdatedAt: now };
}

/** The 409 of CreateStream on an existing id carries `resourceId` and `resourceArn` [MI]. */
export function streamAlreadyExists(record: StreamRecord): ServiceError {
  return new ServiceError("ResourceAlreadyExists", `Stream ${record.streamId} already exists`, {
    resourceId: record.streamId,
    resourceArn: record.streamArn,
  });
}

export function streamNotFound(streamId: string): ServiceError {
  return new ServiceError("ResourceNotFound", `Stream ${streamId} does not exist`);
}

/** CreateStreamResponse and UpdateStreamResponse: {streamId, streamArn, description, streamVersion}. */
export function streamWriteOutput(record: StreamRecord): {
  streamId: string;
  streamArn: string;
  description?: string;
  streamVersion: number;
} {
  return omitUndefined({
    streamId: record.streamId,
    streamArn: record.streamArn,
    description: record.description,
    streamVersion: record.streamVersion,
  });
}

/** DescribeStreamResponse: {streamInfo: StreamInfo}. Tags are not part of StreamInfo. */
export function describeStreamOutput(record: StreamRecord): {
  streamInfo: {
    streamId: string;
    streamArn: string;
    streamVersion: number;
    description?: string;
    files: StreamFile[];
    createdAt: number;
    lastUpdatedAt: number;
    roleArn: string;
  };
} {
  return {
    streamInfo: omitUndefined({
      streamId: record.streamId,
      streamArn: record.streamArn,
      streamVersion: record.streamVersion,
      description: record.description,
      files: record.files,
      createdAt: record.createdAt,
      lastUpdatedAt: record.lastUpdatedAt,
      roleArn: record.roleArn,
    }),
  };
}

/** StreamSummary of ListStreams: {streamId, streamArn, streamVersion, description}. */
export function streamSummary(record: StreamRecord): {
  streamId: string;
  streamArn: string;
  streamVersion: number;
  description?: string;
} {
  return omitUndefined({
    streamId: record.streamId,
    streamArn: record.streamArn,
    streamVersion: record.streamVersion,
    description: record.description,
  });
}

export function listStreamsOutput(
  records: readonly StreamRecord[],
  nextToken?: string,
): { streams: ReturnType<typeof streamSummary>[]; nextToken?: string } {
  return omitUndefined({ streams: records.map(streamSummary), nextToken });
}

/**
 * StreamDescription: 0–2028 characters, `^[^\p{C}]+$` [MI]. The pattern would refuse "", but the length
 * constraint allows it; the empty description is accepted.
 */
function parseDescription(value: unknown): string | undefined {
  return fields.optionalString(value, "description", {
    max: STREAM_LIMITS.descriptionMaxLength,
    noControlCharacters: true,
  });
}

function parseFiles(value: unknown): StreamFile[] {
  const list = fields.array(value, "files", STREAM_LIMITS.minFiles, STREAM_LIMITS.maxFiles);
  const seen = new Set<number>();
  return list.map((item, index) => {
    const field = `files.${index + 1}`;
    const file = fields.object(item, field);
    // The model leaves fileId optional; a device cannot ask for a file without one, so it is required here.
    if (file.fileId === undefined) fields.constraint(`${field}.fileId`, "not be null");
    const fileId = fields.integer(file.fileId, `${field}.fileId`, 0, STREAM_LIMITS.maxFileId);
    // A device addresses files by id, so two files with one id would be ambiguous (*unverified* in AWS).
    if (seen.has(fileId)) fields.fail(`Duplicate fileId ${fileId} in files: each file needs its own fileId`);
    seen.add(fileId);
    return { fileId, s3Location: fields.s3Location(file.s3Location, `${field}.s3Location`) };
  });
}

function parseTags(value: unknown): Tag[] | undefined {
  return fields.optional(value, parseTagList);
}

function parseTagList(value: unknown): Tag[] {
  const list = fields.array(value, "tags", 0, TAG_LIMITS.maxTags);
  const keys = new Set<string>();
  return list.map((item, index) => {
    const field = `tags.${index + 1}`;
    const tag = fields.object(item, field);
    const Key = fields.tagKey(tag.Key, `${field}.Key`);
    const Value = fields.optional(tag.Value, (value) => fields.tagValue(value, `${field}.Value`));
    if (keys.has(Key)) fields.fail(`Duplicate tag key '${Key}' in tags`);
    keys.add(Key);
    return omitUndefined({ Key, Value });
  });
}
