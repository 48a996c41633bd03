import { describe, expect, it } from "vitest";
import {
  createStream,
  describeStreamOutput,
  listStreamsOutput,
  parseCreateStreamInput,
  parseListStreamsQuery,
  parseUpdateStreamInput,
  STREAM_LIMITS,
  type StreamRecord,
  streamAlreadyExists,
  streamSummary,
  streamWriteOutput,
  updateStream,
  validateStreamId,
} from "../../../../src/domain/controlplane/streams";
import { errorOf } from "../../../helpers/errors";

const ARN = { region: "us-west-2", account: "123456789012" };
const ROLE = "arn:aws:iam::123456789012:role/stream-role";
const file = (fileId: unknown, s3Location: unknown = { bucket: "b", key: "k" }) => ({ fileId, s3Location });
const validBody = (overrides: Record<string, unknown> = {}) => ({ files: [file(0)], roleArn: ROLE, ...overrides });

describe("validateStreamId", () => {
  // StreamId: 1–128, ^[a-zA-Z0-9_-]+$ [MI]
  it.each([
    ["a", true],
    ["stream_12-AB", true],
    ["x".repeat(128), true],
    ["", false],
    ["x".repeat(129), false],
    ["has space", false],
    ["dot.ted", false],
    ["slash/ed", false],
  ])("%j valid=%s", (id, valid) => {
    if (valid) expect(() => validateStreamId(id)).not.toThrow();
    else expect(errorOf(() => validateStreamId(id)).kind).toBe("InvalidRequest");
  });
});

describe("parseCreateStreamInput", () => {
  it("accepts a minimal stream and keeps only modelled members", () => {
    expect(parseCreateStreamInput({ ...validBody(), unknownMember: 1 })).toEqual({
      files: [{ fileId: 0, s3Location: { bucket: "b", key: "k" } }],
      roleArn: ROLE,
    });
  });

  it("keeps description, s3 version and tags", () => {
    const input = parseCreateStreamInput(
      validBody({
        description: "firmware",
        files: [file(7, { bucket: "b", key: "k", version: "v1" })],
        tags: [{ Key: "env", Value: "prod" }, { Key: "empty" }],
      }),
    );
    expect(input).toEqual({
      description: "firmware",
      files: [{ fileId: 7, s3Location: { bucket: "b", key: "k", version: "v1" } }],
      roleArn: ROLE,
      tags: [{ Key: "env", Value: "prod" }, { Key: "empty" }],
    });
  });

  // Every rule is InvalidRequestException, the stream operations' modelled validation error [MI].
  it.each<[string, unknown, RegExp]>([
    ["no body", undefined, /'files'.*not be null/],
    ["body is a list", [1], /'body'.*structure/],
    ["files missing", { roleArn: ROLE }, /'files'/],
    ["roleArn missing", { files: [file(0)] }, /'roleArn'/],
    ["files empty (min 1)", validBody({ files: [] }), /greater than or equal to 1/],
    ["51 files (max 50)", validBody({ files: Array.from({ length: 51 }, (_, i) => file(i)) }), /less than or equal to 50/],
    ["fileId -1", validBody({ files: [file(-1)] }), /fileId.*greater than or equal to 0/],
    ["fileId 256", validBody({ files: [file(256)] }), /fileId.*less than or equal to 255/],
    ["fileId 1.5", validBody({ files: [file(1.5)] }), /fileId.*integer/],
    ["fileId as string", validBody({ files: [file("1")] }), /fileId.*integer/],
    ["fileId missing", validBody({ files: [{ s3Location: { bucket: "b", key: "k" } }] }), /fileId.*not be null/],
    ["duplicate fileIds", validBody({ files: [file(3), file(3)] }), /Duplicate fileId 3/],
    ["s3Location missing", validBody({ files: [{ fileId: 0 }] }), /s3Location.*structure/],
    ["bucket empty", validBody({ files: [file(0, { bucket: "", key: "k" })] }), /bucket.*greater than or equal to 1/],
    ["key empty", validBody({ files: [file(0, { bucket: "b", key: "" })] }), /key.*greater than or equal to 1/],
    ["roleArn 19 chars", validBody({ roleArn: "r".repeat(19) }), /roleArn.*greater than or equal to 20/],
    ["roleArn 2049 chars", validBody({ roleArn: "r".repeat(2049) }), /roleArn.*less than or equal to 2048/],
    ["description 2029 chars", validBody({ description: "d".repeat(2029) }), /description.*less than or equal to 2028/],
    ["description with a newline", validBody({ description: "a\nb" }), /description.*control/],
    ["description with a zero-width format char", validBody({ description: "a\u200bb" }), /description.*control/],
    ["description not a string", validBody({ description: 5 }), /description.*string/],
    ["tag key empty", validBody({ tags: [{ Key: "", Value: "v" }] }), /Key.*greater than or equal to 1/],
    ["tag key 129 chars", validBody({ tags: [{ Key: "k".repeat(129) }] }), /Key.*less than or equal to 128/],
    ["tag key with '*'", validBody({ tags: [{ Key: "a*b" }] }), /Key.*pattern/],
    ["tag value 257 chars", validBody({ tags: [{ Key: "k", Value: "v".repeat(257) }] }), /Value.*less than or equal to 256/],
    ["duplicate tag keys", validBody({ tags: [{ Key: "k" }, { Key: "k" }] }), /Duplicate tag key/],
    ["51 tags", validBody({ tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}` })) }), /tags.*less than or equal to 50/],
  ])("refuses %s", (_name, body, message) => {
    const error = errorOf(() => parseCreateStreamInput(body));
    expect(error.kind).toBe("InvalidRequest");
    expect(error.message).toMatch(message);
  });

  it.each<[string, Record<string, unknown>]>([
    ["fileId 0 and 255", { files: [file(0), file(255)] }],
    ["50 files", { files: Array.from({ length: 50 }, (_, i) => file(i)) }],
    ["roleArn of 20 and 2048 chars", { roleArn: "r".repeat(20) }],
    ["roleArn of 2048 chars", { roleArn: "r".repeat(2048) }],
    ["description of 2028 chars", { description: "d".repeat(2028) }],
    ["description of 2028 astral characters (length counts code points)", { description: "😀".repeat(2028) }],
    ["empty description (length min 0)", { description: "" }],
    ["tag key of 128 chars with letters, spaces, digits and _.:/=+-@", { tags: [{ Key: `${"k".repeat(117)} é1_.:/=+-@` }] }],
    ["tag value of 256 chars", { tags: [{ Key: "k", Value: "v".repeat(256) }] }],
  ])("accepts the boundary: %s", (_name, overrides) => {
    expect(() => parseCreateStreamInput(validBody(overrides))).not.toThrow();
  });
});

describe("parseUpdateStreamInput", () => {
  it("accepts an empty body: every member is optional", () => {
    expect(parseUpdateStreamInput(undefined)).toEqual({});
    expect(parseUpdateStreamInput({})).toEqual({});
  });

  it("validates the members it is given with the create rules", () => {
    expect(errorOf(() => parseUpdateStreamInput({ files: [] })).kind).toBe("InvalidRequest");
    expect(errorOf(() => parseUpdateStreamInput({ roleArn: "short" })).kind).toBe("InvalidRequest");
    expect(parseUpdateStreamInput({ description: "new", files: [file(1)] })).toEqual({
      description: "new",
      files: [{ fileId: 1, s3Location: { bucket: "b", key: "k" } }],
    });
  });
});

describe("parseListStreamsQuery", () => {
  it("defaults to descending order", () => {
    expect(parseListStreamsQuery({})).toEqual({ ascendingOrder: false });
  });

  it("reads isAscendingOrder, maxResults and nextToken", () => {
    expect(parseListStreamsQuery({ isAscendingOrder: "true", maxResults: "250", nextToken: "t" })).toEqual({
      ascendingOrder: true,
      maxResults: 250,
      nextToken: "t",
    });
  });

  it.each([["0"], ["251"], ["ten"], ["1.5"]])("refuses maxResults=%s (1–250)", (maxResults) => {
    expect(errorOf(() => parseListStreamsQuery({ maxResults })).kind).toBe("InvalidRequest");
  });

  it("refuses a non-boolean isAscendingOrder", () => {
    expect(errorOf(() => parseListStreamsQuery({ isAscendingOrder: "yes" })).kind).toBe("InvalidRequest");
  });
});

describe("stream records", () => {
  const created = createStream(
    "stream12345",
    parseCreateStreamInput(validBody({ description: "d", tags: [{ Key: "a", Value: "b" }] })),
    1_700_000_000,
    ARN,
  );

  it("creates version 1 with the stream ARN (aws-cli create-stream example)", () => {
    expect(created).toEqual({
      streamId: "stream12345",
      streamArn: "arn:aws:iot:us-west-2:123456789012:stream/stream12345",
      description: "d",
      files: [{ fileId: 0, s3Location: { bucket: "b", key: "k" } }],
      roleArn: ROLE,
      streamVersion: 1,
      createdAt: 1_700_000_000,
      lastUpdatedAt: 1_700_000_000,
      tags: [{ Key: "a", Value: "b" }],
    });
  });

  it("refuses an invalid id at creation too", () => {
    expect(errorOf(() => createStream("bad id", parseCreateStreamInput(validBody()), 1, ARN)).kind).toBe("InvalidRequest");
  });

  it("increments the version on every update, even an empty one [seed update_stream]", () => {
    const once = updateStream(created, {}, 1_700_000_100);
    const twice = updateStream(once, {}, 1_700_000_200);
    expect([once.streamVersion, twice.streamVersion]).toEqual([2, 3]);
    expect(twice.lastUpdatedAt).toBe(1_700_000_200);
    expect(twice.createdAt).toBe(1_700_000_000);
  });

  it("replaces the file list and keeps omitted members", () => {
    const updated = updateStream(created, { files: [{ fileId: 9, s3Location: { bucket: "x", key: "y" } }] }, 5);
    expect(updated.files).toEqual([{ fileId: 9, s3Location: { bucket: "x", key: "y" } }]);
    expect(updated.description).toBe("d");
    expect(updated.roleArn).toBe(ROLE);
    expect(updated.tags).toEqual([{ Key: "a", Value: "b" }]);
  });

  it("changes description and roleArn when given", () => {
    const updated = updateStream(created, { description: "new", roleArn: "arn:aws:iam::123456789012:role/other" }, 5);
    expect(updated.description).toBe("new");
    expect(updated.roleArn).toBe("arn:aws:iam::123456789012:role/other");
  });

  it("reaches version 65535 and then refuses with LimitExceeded (StreamVersion is 0–65535)", () => {
    const last = updateStream({ ...created, streamVersion: STREAM_LIMITS.maxStreamVersion - 1 }, {}, 5);
    expect(last.streamVersion).toBe(65535);
    const error = errorOf(() => updateStream(last, {}, 6));
    expect(error.kind).toBe("LimitExceeded");
    expect(error.message).toMatch(/65535/);
  });

  it("builds the 409 of a duplicate create with resourceId and resourceArn", () => {
    const error = streamAlreadyExists(created);
    expect(error.kind).toBe("ResourceAlreadyExists");
    expect(error.extra).toEqual({ resourceId: "stream12345", resourceArn: created.streamArn });
  });
});

describe("stream outputs (members of the Smithy response shapes)", () => {
  const withoutDescription: StreamRecord = createStream("s", parseCreateStreamInput(validBody()), 10, ARN);
  const withDescription: StreamRecord = { ...withoutDescription, description: "d" };

  it("CreateStream/UpdateStream: streamId, streamArn, description, streamVersion", () => {
    expect(streamWriteOutput(withDescription)).toEqual({ streamId: "s", streamArn: withDescription.streamArn, description: "d", streamVersion: 1 });
    expect(Object.keys(streamWriteOutput(withoutDescription))).toEqual(["streamId", "streamArn", "streamVersion"]);
  });

  it("DescribeStream: streamInfo without tags", () => {
    expect(describeStreamOutput({ ...withDescription, tags: [{ Key: "a" }] })).toEqual({
      streamInfo: {
        streamId: "s",
        streamArn: withDescription.streamArn,
        streamVersion: 1,
        description: "d",
        files: withDescription.files,
        createdAt: 10,
        lastUpdatedAt: 10,
        roleArn: ROLE,
      },
    });
  });

  it("ListStreams: summaries of streamId, streamArn, streamVersion, description, and nextToken when more", () => {
    expect(streamSummary(withDescription)).toEqual({ streamId: "s", streamArn: withDescription.streamArn, streamVersion: 1, description: "d" });
    expect(listStreamsOutput([withoutDescription], "next")).toEqual({
      streams: [{ streamId: "s", streamArn: withDescription.streamArn, streamVersion: 1 }],
      nextToken: "next",
    });
    expect(listStreamsOutput([])).toEqual({ streams: [] });
  });
});
