// Debian's AWS CLI v2 (`awscli` 2.9, /usr/bin/aws) and boto3 (`python3-boto3`, botocore 1.29, /usr/bin/python3)
// used exactly as a user would, with only --endpoint-url / endpoint_url pointing at the local server.
// Both run isolated from the user's AWS config (isolatedAwsEnv) and never reach the internet.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { AWS_CLI, type EnsureResult, ensureDebianTools, INSTALL_TIMEOUT_MS, isolatedAwsEnv, PYTHON } from "../../scripts/ensure-debian-tools.mjs";
import { uniqueName } from "../helpers/names";

const baseUrl = inject("baseUrl");
// Several CLI/Python processes per test, each ~1 s to start on the shared 2-core machine.
const SLOW = { timeout: 120_000 };

let tools: EnsureResult | undefined;
let outDir = "";

beforeAll(async () => {
  // Installs awscli/python3-boto3 on a fresh Debian machine (root + apt-get); the bound covers apt-get.
  tools = await ensureDebianTools();
  outDir = mkdtempSync(join(tmpdir(), "iot-cli-"));
}, INSTALL_TIMEOUT_MS + 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Skips (with the reason) only when ensureDebianTools could not provide the tool. */
function requireTool(tool: "aws" | "boto3") {
  beforeEach(({ skip }) => {
    const status = tools?.[tool];
    if (!status?.available)
      skip(`${tool === "aws" ? "AWS CLI v2 (/usr/bin/aws)" : "boto3 (/usr/bin/python3)"} unavailable: ${status?.reason ?? "not probed"}`);
  });
}

interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runProcess(file: string, args: string[], env: Record<string, string>, input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, timeout: 60_000, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(new Error(`${file} ${args.join(" ")} failed to run: ${error.message}\n${stderr}`));
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// AWS CLI

/** `aws <service> <operation> ... --endpoint-url <local>`; credentials default to `test`/`test` (isolatedAwsEnv). */
function aws(args: string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return runProcess(AWS_CLI, [...args, "--endpoint-url", baseUrl, "--output", "json"], isolatedAwsEnv(env));
}

/** Runs a CLI call that must succeed; a failure shows the CLI's own stderr. */
async function awsOk(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await aws(args, env);
  if (result.code !== 0) throw new Error(`aws ${args.join(" ")} exited with ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

let outfileCounter = 0;
/** Shadow operations write the document (a blob payload) to an outfile, as `aws iot-data ... outfile` does. */
async function awsShadow(args: string[], env: Record<string, string> = {}) {
  const outfile = join(outDir, `out-${++outfileCounter}.json`);
  await awsOk([...args, outfile], env);
  return JSON.parse(readFileSync(outfile, "utf8"));
}

// v2 treats blob arguments as base64 unless told otherwise; this is how its docs pass a JSON shadow document.
const RAW = ["--cli-binary-format", "raw-in-base64-out"];
// "254: the command was parsed and a request was made to the service, but the service returned an error."
// https://docs.aws.amazon.com/cli/latest/userguide/cli-chap-returncodes.html
const SERVICE_ERROR_EXIT_CODE = 254;

// ---------------------------------------------------------------------------------------------------------------
// boto3

interface BotoError {
  /** Python class of the ClientError: the modelled exception class when botocore knows the code. */
  exception: string;
  code: string;
  message: string;
  status: number;
}
// biome-ignore lint/suspicious/noExplicitAny: response documents are checked field by field
type Json = any;
interface BotoOutcome {
  ok?: Json;
  status?: number;
  pages?: Json[];
  error?: BotoError;
}
interface BotoCall {
  op: string;
  params?: Record<string, unknown>;
  service?: "iot-data" | "iot";
  /** Collect every page with botocore's paginator for `op`. */
  paginate?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

// Runs the calls one after another in one Python process. Blobs travel as {"$base64": ...} both ways; each result is
// {ok, status} or {pages} or {error}. Anything but a ClientError (e.g. a connection error) crashes the script.
const BOTO3_DRIVER = `
import base64, datetime, json, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.response import StreamingBody

request = json.load(sys.stdin)
config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
clients = {}

def client(service, credentials):
    key = (service, credentials["accessKeyId"], credentials["secretAccessKey"])
    if key not in clients:
        session = boto3.session.Session(
            aws_access_key_id=credentials["accessKeyId"],
            aws_secret_access_key=credentials["secretAccessKey"],
            region_name="us-east-1",
        )
        clients[key] = session.client(service, endpoint_url=request["endpoint"], config=config)
    return clients[key]

def decode(value):
    if isinstance(value, dict):
        if set(value) == {"$base64"}:
            return base64.b64decode(value["$base64"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value

def encode(value):
    if isinstance(value, StreamingBody):
        value = value.read()
    if isinstance(value, (bytes, bytearray)):
        return {"$base64": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value

results = []
for call in request["calls"]:
    c = client(call.get("service", "iot-data"), call.get("credentials") or request["credentials"])
    params = decode(call.get("params", {}))
    try:
        if call.get("paginate"):
            results.append({"pages": [encode(page) for page in c.get_paginator(call["op"]).paginate(**params)]})
        else:
            response = getattr(c, call["op"])(**params)
            results.append({"ok": encode(response), "status": response["ResponseMetadata"]["HTTPStatusCode"]})
    except ClientError as e:
        results.append({"error": {
            "exception": type(e).__name__,
            "code": e.response["Error"].get("Code"),
            "message": e.response["Error"].get("Message"),
            "status": e.response["ResponseMetadata"].get("HTTPStatusCode"),
        }})
json.dump(results, sys.stdout)
`;

async function boto3(calls: BotoCall[]): Promise<BotoOutcome[]> {
  const request = { endpoint: baseUrl, credentials: { accessKeyId: "test", secretAccessKey: "test" }, calls };
  // -I: Debian's boto3 only (no user site-packages, no PYTHONPATH).
  const result = await runProcess(PYTHON, ["-I", "-c", BOTO3_DRIVER], isolatedAwsEnv(), JSON.stringify(request));
  if (result.code !== 0) throw new Error(`boto3 driver exited with ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as BotoOutcome[];
}

/** One boto3 call that must succeed; a failure shows the server's error. */
async function boto3Ok(call: BotoCall): Promise<Json> {
  const [outcome] = await boto3([call]);
  if (!outcome || outcome.error) throw new Error(`${call.op} failed: ${JSON.stringify(outcome?.error)}`);
  return outcome.ok ?? outcome.pages;
}

/** The pages a `paginate: true` call collected; a failure shows the server's error. */
function pagesOf(outcome: BotoOutcome | undefined): Json[] {
  if (!outcome?.pages) throw new Error(`pagination failed: ${JSON.stringify(outcome?.error ?? outcome)}`);
  return outcome.pages;
}

async function boto3Error(call: BotoCall): Promise<BotoError> {
  const [outcome] = await boto3([call]);
  if (!outcome?.error) throw new Error(`${call.op} should have failed but returned ${JSON.stringify(outcome)}`);
  return outcome.error;
}

const blob = (value: unknown) => ({
  $base64: Buffer.from(value instanceof Uint8Array ? value : typeof value === "string" ? value : JSON.stringify(value)).toString("base64"),
});
const unblob = (value: { $base64: string }) => Buffer.from(value.$base64, "base64");
const doc = (value: { $base64: string }): Json => JSON.parse(unblob(value).toString("utf8"));

// ===============================================================================================================

describe("AWS CLI v2 (Debian awscli) — Device Shadow", SLOW, () => {
  requireTool("aws");

  it("creates, reads, lists and deletes classic and named shadows (documents written to outfiles)", async () => {
    // A ':' in the thing name is valid ([M] ^[a-zA-Z0-9:_-]+$) and reaches the server percent-encoded.
    const thing = `${uniqueName("cli")}:dev_1`;
    const created = await awsShadow([
      "iot-data",
      "update-thing-shadow",
      "--thing-name",
      thing,
      ...RAW,
      "--payload",
      JSON.stringify({ state: { desired: { color: "red" } }, clientToken: "cli-1" }),
    ]);
    expect(created).toMatchObject({ state: { desired: { color: "red" } }, version: 1, clientToken: "cli-1" });
    expect(created.metadata.desired.color.timestamp).toEqual(expect.any(Number));

    const named = await awsShadow([
      "iot-data",
      "update-thing-shadow",
      "--thing-name",
      thing,
      "--shadow-name",
      "cfg",
      ...RAW,
      "--payload",
      '{"state":{"reported":{"mode":"eco"}}}',
    ]);
    expect(named).toMatchObject({ state: { reported: { mode: "eco" } }, version: 1 });

    const classic = await awsShadow(["iot-data", "get-thing-shadow", "--thing-name", thing]);
    expect(classic.state).toEqual({ desired: { color: "red" }, delta: { color: "red" } });
    expect(classic.version).toBe(1);
    expect((await awsShadow(["iot-data", "get-thing-shadow", "--thing-name", thing, "--shadow-name", "cfg"])).state).toEqual({
      reported: { mode: "eco" },
    });

    const listed = JSON.parse(await awsOk(["iot-data", "list-named-shadows-for-thing", "--thing-name", thing]));
    expect(listed).toEqual({ results: ["cfg"], timestamp: expect.any(Number) });

    expect(await awsShadow(["iot-data", "delete-thing-shadow", "--thing-name", thing])).toEqual({ version: 1, timestamp: expect.any(Number) });
    const gone = await aws(["iot-data", "get-thing-shadow", "--thing-name", thing, join(outDir, "gone.json")]);
    expect(gone.code).toBe(SERVICE_ERROR_EXIT_CODE);
    expect(gone.stderr).toContain("(ResourceNotFoundException)");
    expect(gone.stderr).toContain(`No shadow exists with name: '${thing}'`);
    // Deleting the classic shadow leaves the named one alone.
    expect(JSON.parse(await awsOk(["iot-data", "list-named-shadows-for-thing", "--thing-name", thing])).results).toEqual(["cfg"]);
    await awsShadow(["iot-data", "delete-thing-shadow", "--thing-name", thing, "--shadow-name", "cfg"]);
    expect(JSON.parse(await awsOk(["iot-data", "list-named-shadows-for-thing", "--thing-name", thing])).results).toEqual([]);
  });

  it("pages through named shadows with --page-size and --next-token", async () => {
    const thing = uniqueName("cli-pages");
    for (const shadow of ["b", "a", "c"]) {
      await awsShadow([
        "iot-data",
        "update-thing-shadow",
        "--thing-name",
        thing,
        "--shadow-name",
        shadow,
        ...RAW,
        "--payload",
        '{"state":{"reported":{"n":1}}}',
      ]);
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = JSON.parse(
        await awsOk([
          "iot-data",
          "list-named-shadows-for-thing",
          "--thing-name",
          thing,
          "--page-size",
          "1",
          ...(nextToken ? ["--next-token", nextToken] : []),
        ]),
      );
      expect(page.results.length).toBeLessThanOrEqual(1);
      names.push(...page.results);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toEqual(["a", "b", "c"]);
  });

  it("surfaces a version conflict as ConflictException (exit code 254) and changes nothing", async () => {
    const thing = uniqueName("cli-conflict");
    await awsShadow(["iot-data", "update-thing-shadow", "--thing-name", thing, ...RAW, "--payload", '{"state":{"reported":{"v":1}}}']);
    await awsShadow(["iot-data", "update-thing-shadow", "--thing-name", thing, ...RAW, "--payload", '{"state":{"reported":{"v":2}},"version":1}']);
    const stale = await aws([
      "iot-data",
      "update-thing-shadow",
      "--thing-name",
      thing,
      ...RAW,
      "--payload",
      '{"state":{"reported":{"v":3}},"version":1}',
      join(outDir, "stale.json"),
    ]);
    expect(stale.code).toBe(SERVICE_ERROR_EXIT_CODE);
    expect(stale.stderr).toContain("An error occurred (ConflictException) when calling the UpdateThingShadow operation");
    expect(stale.stderr).toContain("Version conflict");
    const after = await awsShadow(["iot-data", "get-thing-shadow", "--thing-name", thing]);
    expect(after).toMatchObject({ version: 2, state: { reported: { v: 2 } } });
  });

  it.each([
    ["a wrong secret", { AWS_SECRET_ACCESS_KEY: "wrong" }, "signature we calculated does not match"],
    ["an unknown access key", { AWS_ACCESS_KEY_ID: "AKIDUNKNOWN" }, "security token included in the request is invalid"],
  ])("refuses %s with ForbiddenException (exit code 254) and changes nothing", async (_, env, message) => {
    const thing = uniqueName("cli-auth");
    await awsShadow(["iot-data", "update-thing-shadow", "--thing-name", thing, ...RAW, "--payload", '{"state":{"reported":{"v":1}}}']);
    const refused = await aws(
      ["iot-data", "update-thing-shadow", "--thing-name", thing, ...RAW, "--payload", '{"state":{"reported":{"v":2}}}', join(outDir, "refused.json")],
      env,
    );
    expect(refused.code).toBe(SERVICE_ERROR_EXIT_CODE);
    expect(refused.stderr).toContain("(ForbiddenException)");
    expect(refused.stderr).toContain(message);
    expect(await awsShadow(["iot-data", "get-thing-shadow", "--thing-name", thing])).toMatchObject({ version: 1, state: { reported: { v: 1 } } });
  });
});

describe("boto3 (Debian python3-boto3) — Device Shadow", SLOW, () => {
  requireTool("boto3");

  it("updates, gets, lists and deletes classic and named shadows", async () => {
    const thingName = uniqueName("boto");
    const [created, namedA, namedB, got, listed, deletedA, listedAfter, deleted, missing] = await boto3([
      {
        op: "update_thing_shadow",
        params: { thingName, payload: blob({ state: { desired: { on: true }, reported: { on: false } }, clientToken: "py-1" }) },
      },
      { op: "update_thing_shadow", params: { thingName, shadowName: "fw", payload: blob({ state: { reported: { version: "1.0.0" } } }) } },
      { op: "update_thing_shadow", params: { thingName, shadowName: "cfg", payload: blob({ state: { desired: { rate: 5 } } }) } },
      { op: "get_thing_shadow", params: { thingName } },
      { op: "list_named_shadows_for_thing", params: { thingName } },
      { op: "delete_thing_shadow", params: { thingName, shadowName: "cfg" } },
      { op: "list_named_shadows_for_thing", params: { thingName } },
      { op: "delete_thing_shadow", params: { thingName } },
      { op: "get_thing_shadow", params: { thingName } },
    ]);
    expect(created?.status).toBe(200);
    expect(doc(created?.ok.payload)).toMatchObject({ state: { desired: { on: true }, reported: { on: false } }, version: 1, clientToken: "py-1" });
    expect(doc(namedA?.ok.payload)).toMatchObject({ state: { reported: { version: "1.0.0" } }, version: 1 });
    expect(doc(namedB?.ok.payload).version).toBe(1);
    expect(doc(got?.ok.payload)).toMatchObject({ state: { desired: { on: true }, reported: { on: false }, delta: { on: true } }, version: 1 });
    expect(listed?.ok).toEqual({ results: ["cfg", "fw"], timestamp: expect.any(Number) });
    expect(doc(deletedA?.ok.payload)).toEqual({ version: 1, timestamp: expect.any(Number) });
    expect(listedAfter?.ok.results).toEqual(["fw"]);
    expect(doc(deleted?.ok.payload)).toEqual({ version: 1, timestamp: expect.any(Number) });
    expect(missing?.error?.code).toBe("ResourceNotFoundException");
  });

  it("pages through named shadows with pageSize and nextToken", async () => {
    const thingName = uniqueName("boto-pages");
    await boto3(
      ["z", "x", "y"].map((shadowName) => ({
        op: "update_thing_shadow",
        params: { thingName, shadowName, payload: blob({ state: { reported: { n: 1 } } }) },
      })),
    );
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await boto3Ok({ op: "list_named_shadows_for_thing", params: { thingName, pageSize: 1, ...(nextToken ? { nextToken } : {}) } });
      names.push(...page.results);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toEqual(["x", "y", "z"]);
  });

  // The modelled errors of the iot-data API (Smithy model; botocore maps x-amzn-ErrorType to these classes).
  it.each([
    [
      "a missing shadow",
      "ResourceNotFoundException",
      404,
      "No shadow exists with name: 'nope'",
      (thingName: string) => ({ op: "get_thing_shadow", params: { thingName, shadowName: "nope" } }),
    ],
    [
      "a stale version",
      "ConflictException",
      409,
      "Version conflict",
      (thingName: string) => ({ op: "update_thing_shadow", params: { thingName, payload: blob({ state: { reported: { v: 9 } }, version: 7 }) } }),
    ],
    [
      "invalid JSON",
      "InvalidRequestException",
      400,
      "Invalid JSON",
      (thingName: string) => ({ op: "update_thing_shadow", params: { thingName, payload: blob("{not json") } }),
    ],
    [
      "a document without state",
      "InvalidRequestException",
      400,
      "Missing required node: state",
      (thingName: string) => ({ op: "update_thing_shadow", params: { thingName, payload: blob({ desired: { a: 1 } }) } }),
    ],
    [
      "a page size over 100",
      "InvalidRequestException",
      400,
      undefined,
      (thingName: string) => ({ op: "list_named_shadows_for_thing", params: { thingName, pageSize: 101 } }),
    ],
  ])("raises ClientError for %s as %s (HTTP %i) and changes nothing", async (_, code, status, message, call) => {
    const thingName = uniqueName("boto-err");
    await boto3Ok({ op: "update_thing_shadow", params: { thingName, payload: blob({ state: { reported: { v: 1 } } }) } });
    const [failed, after] = await boto3([call(thingName), { op: "get_thing_shadow", params: { thingName } }]);
    expect(failed?.error).toMatchObject({ exception: code, code, status });
    if (message) expect(failed?.error?.message).toBe(message);
    expect(doc(after?.ok.payload)).toMatchObject({ version: 1, state: { reported: { v: 1 } } });
  });

  it.each([
    ["a wrong secret", { accessKeyId: "test", secretAccessKey: "wrong" }],
    ["the read-only principal updating a thing its policy does not cover", { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" }],
  ])("refuses %s with 403 ForbiddenException", async (_, credentials) => {
    const thingName = uniqueName("boto-auth");
    await boto3Ok({ op: "update_thing_shadow", params: { thingName, payload: blob({ state: { reported: { v: 1 } } }) } });
    const [refused, after] = await boto3([
      { op: "update_thing_shadow", params: { thingName, payload: blob({ state: { reported: { v: 2 } } }) }, credentials },
      { op: "get_thing_shadow", params: { thingName } },
    ]);
    // ForbiddenException is not in botocore 1.29's iot-data model, so it arrives as a plain ClientError with that code.
    expect(refused?.error).toMatchObject({ code: "ForbiddenException", status: 403 });
    expect(doc(after?.ok.payload).version).toBe(1);
  });

  it("lets the read-only principal read what its policy allows", async () => {
    const thingName = uniqueName("boto-ro");
    await boto3Ok({ op: "update_thing_shadow", params: { thingName, payload: blob({ state: { reported: { v: 1 } } }) } });
    const read = await boto3Ok({
      op: "get_thing_shadow",
      params: { thingName },
      credentials: { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" },
    });
    expect(doc(read.payload).state.reported).toEqual({ v: 1 });
  });
});

// Publish and retained messages (aws-iot-data-plane.md §4–5).
describe("publish and retained messages", SLOW, () => {
  describe("with boto3", () => {
    requireTool("boto3");

    it("publishes binary payloads at QoS 1 to a topic with slashes", async () => {
      const topic = `e2e/${uniqueName("boto")}/sensors/temp`;
      const published = await boto3([{ op: "publish", params: { topic, qos: 1, payload: blob(new Uint8Array([0, 1, 0xfe, 0xff, 0x80])) } }]);
      expect(published[0]).toEqual({ ok: {}, status: 200 });
      // Not retained: nothing is stored for the topic. [M] retain defaults to false
      expect((await boto3Error({ op: "get_retained_message", params: { topic } })).code).toBe("ResourceNotFoundException");
    });

    it("stores a retained message, reads and lists it, and deletes it with an empty retained publish", async () => {
      const topic = `e2e/${uniqueName("boto-retain")}/state`;
      const payload = new Uint8Array([0x7b, 0x00, 0xff, 0x10, 0x80, 0x7d]);
      const before = Date.now();
      const [published, retained, listed] = await boto3([
        { op: "publish", params: { topic, qos: 1, retain: true, payload: blob(payload) } },
        { op: "get_retained_message", params: { topic } },
        { op: "list_retained_messages", params: {}, paginate: true },
      ]);
      const after = Date.now();
      expect(published?.status).toBe(200);
      expect(retained?.ok).toMatchObject({ topic, qos: 1 });
      expect([...unblob(retained?.ok.payload)]).toEqual([...payload]);
      // lastModifiedTime is epoch milliseconds. [M] GetRetainedMessage
      expect(retained?.ok.lastModifiedTime).toBeGreaterThanOrEqual(before - 5_000);
      expect(retained?.ok.lastModifiedTime).toBeLessThanOrEqual(after + 5_000);
      const summaries: Json[] = pagesOf(listed).flatMap((page) => page.retainedTopics);
      expect(summaries.filter((s) => s.topic === topic)).toEqual([
        { topic, payloadSize: payload.length, qos: 1, lastModifiedTime: retained?.ok.lastModifiedTime },
      ]);

      // retain=true with an empty payload deletes the retained message. [M] Publish payload doc
      const [cleared, gone, listedAfter] = await boto3([
        { op: "publish", params: { topic, qos: 0, retain: true } },
        { op: "get_retained_message", params: { topic } },
        { op: "list_retained_messages", params: {}, paginate: true },
      ]);
      expect(cleared?.status).toBe(200);
      expect(gone?.error).toMatchObject({ exception: "ResourceNotFoundException", status: 404 });
      expect(
        pagesOf(listedAfter)
          .flatMap((page) => page.retainedTopics)
          .some((s: Json) => s.topic === topic),
      ).toBe(false);
    });

    it("pages through retained messages with maxResults", async () => {
      const prefix = `e2e/${uniqueName("boto-list")}`;
      const topics = [`${prefix}/a`, `${prefix}/b`, `${prefix}/c`];
      await boto3(topics.map((topic) => ({ op: "publish", params: { topic, retain: true, payload: blob("x") } })));
      const [listed] = await boto3([{ op: "list_retained_messages", params: { PaginationConfig: { PageSize: 1 } }, paginate: true }]);
      const pages = pagesOf(listed);
      expect(pages.every((page) => page.retainedTopics.length <= 1)).toBe(true);
      const seen = pages.flatMap((page) => page.retainedTopics.map((s: Json) => s.topic)).filter((t: string) => t.startsWith(`${prefix}/`));
      expect(seen.sort()).toEqual(topics);
      await boto3(topics.map((topic) => ({ op: "publish", params: { topic, retain: true } })));
    });

    it("rejects QoS 2 with InvalidRequestException (the model allows 0–1)", async () => {
      const error = await boto3Error({ op: "publish", params: { topic: `e2e/${uniqueName("boto-qos")}`, qos: 2, payload: blob("x") } });
      expect(error).toMatchObject({ exception: "InvalidRequestException", code: "InvalidRequestException", status: 400 });
    });
  });

  describe("with the AWS CLI", () => {
    requireTool("aws");

    it("publishes a retained message, reads it back and deletes it with a publish without payload", async () => {
      const topic = `e2e/${uniqueName("cli")}/status`;
      expect(await awsOk(["iot-data", "publish", "--topic", topic, "--qos", "1", "--retain", ...RAW, "--payload", "hello from the cli"])).toBe("");
      const retained = JSON.parse(await awsOk(["iot-data", "get-retained-message", "--topic", topic]));
      expect(retained).toMatchObject({ topic, qos: 1, lastModifiedTime: expect.any(Number) });
      // The CLI prints blobs as base64.
      expect(Buffer.from(retained.payload, "base64").toString("utf8")).toBe("hello from the cli");
      const listed = JSON.parse(await awsOk(["iot-data", "list-retained-messages"]));
      expect(listed.retainedTopics).toContainEqual({ topic, payloadSize: 18, qos: 1, lastModifiedTime: retained.lastModifiedTime });

      // No --payload: the CLI sends no body (Content-Length: 0) and no Content-Type.
      await awsOk(["iot-data", "publish", "--topic", topic, "--retain"]);
      const gone = await aws(["iot-data", "get-retained-message", "--topic", topic]);
      expect(gone.code).toBe(SERVICE_ERROR_EXIT_CODE);
      expect(gone.stderr).toContain("(ResourceNotFoundException)");
    });
  });
});

// Control plane (`aws iot`): botocore 1.29 signs it with service `execute-api` (spec README pitfall 11).
describe("control plane (aws iot / boto3 client('iot'))", SLOW, () => {
  describe("with the AWS CLI", () => {
    requireTool("aws");

    it("describe-endpoint --endpoint-type iot:Data-ATS gives the address that --endpoint-url then takes", async () => {
      const { endpointAddress } = JSON.parse(await awsOk(["iot", "describe-endpoint", "--endpoint-type", "iot:Data-ATS"]));
      expect(endpointAddress).toBe(new URL(baseUrl).host);
      // As the seed documents do next: the data plane at that address.
      const published = await runProcess(
        AWS_CLI,
        ["iot-data", "publish", "--endpoint-url", `http://${endpointAddress}`, "--topic", "cli/endpoint", ...RAW, "--payload", "hi"],
        isolatedAwsEnv({}),
      );
      expect(published.code).toBe(0);
      const bad = await aws(["iot", "describe-endpoint", "--endpoint-type", "iot:Other"]);
      expect(bad.code).toBe(SERVICE_ERROR_EXIT_CODE);
      expect(bad.stderr).toContain("(InvalidRequestException)");
    });

    it("lists streams", async () => {
      const listed = JSON.parse(await awsOk(["iot", "list-streams"]));
      expect(Array.isArray(listed.streams)).toBe(true);
    });

    it("creates, describes, lists and deletes a stream", async () => {
      const streamId = uniqueName("cli-stream");
      const files = JSON.stringify([{ fileId: 0, s3Location: { bucket: "firmware", key: "app.bin" } }]);
      const roleArn = "arn:aws:iam::123456789012:role/stream-reader";
      const created = JSON.parse(
        await awsOk(["iot", "create-stream", "--stream-id", streamId, "--description", "from the cli", "--files", files, "--role-arn", roleArn]),
      );
      // CreateStream returns streamVersion 1. [CLI] awscli/examples/iot/create-stream.rst
      expect(created).toEqual({
        streamId,
        streamArn: `arn:aws:iot:us-east-1:123456789012:stream/${streamId}`,
        description: "from the cli",
        streamVersion: 1,
      });
      const described = JSON.parse(await awsOk(["iot", "describe-stream", "--stream-id", streamId]));
      expect(described.streamInfo).toMatchObject({
        streamId,
        streamVersion: 1,
        roleArn,
        files: [{ fileId: 0, s3Location: { bucket: "firmware", key: "app.bin" } }],
      });
      const listed = JSON.parse(await awsOk(["iot", "list-streams"]));
      expect(listed.streams.map((s: Json) => s.streamId)).toContain(streamId);
      await awsOk(["iot", "delete-stream", "--stream-id", streamId]);
      const gone = await aws(["iot", "describe-stream", "--stream-id", streamId]);
      expect(gone.code).toBe(SERVICE_ERROR_EXIT_CODE);
      expect(gone.stderr).toContain("(ResourceNotFoundException)");
    });
  });

  describe("with boto3", () => {
    requireTool("boto3");

    it("lists streams through client('iot')", async () => {
      const listed = await boto3Ok({ service: "iot", op: "list_streams" });
      expect(Array.isArray(listed.streams)).toBe(true);
    });
  });
});
