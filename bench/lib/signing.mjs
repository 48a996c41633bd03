// Requests signed exactly as the AWS SDK for JavaScript v3 sends them, captured before they leave the SDK, so a
// load generator can replay them (a SigV4 signature stays valid for 5 minutes), and pre-signed MQTT URLs.
import { createHash, createHmac } from "node:crypto";
import { GetThingShadowCommand, IoTDataPlaneClient, PublishCommand, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { SignatureV4 } from "@smithy/signature-v4";

export const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
export const REGION = "us-east-1";

class Captured extends Error {
  constructor(request) {
    super("captured");
    this.request = request;
  }
}

const capturingClients = new Map();

/** An SDK client whose transport records the signed request instead of sending it (one per endpoint). */
function capturingClient(endpoint) {
  let client = capturingClients.get(endpoint);
  if (!client) {
    client = newCapturingClient(endpoint);
    capturingClients.set(endpoint, client);
  }
  return client;
}

function newCapturingClient(endpoint) {
  return new IoTDataPlaneClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request) => {
        throw new Captured(request);
      },
    },
  });
}

async function capture(client, command) {
  try {
    await client.send(command);
  } catch (error) {
    if (error instanceof Captured) return error.request;
    throw error;
  }
  throw new Error("the SDK sent nothing");
}

/** A captured SDK request as an autocannon request (`content-length` left to autocannon, which sets the same value). */
function toReplayable(request) {
  const query = new URLSearchParams(request.query ?? {}).toString();
  const headers = { ...request.headers };
  delete headers["content-length"];
  return {
    method: request.method,
    path: query ? `${request.path}?${query}` : request.path,
    headers,
    ...(request.body ? { body: Buffer.from(request.body) } : {}),
  };
}

const encode = (value) => new TextEncoder().encode(JSON.stringify(value));

/**
 * The signed requests of one HTTP scenario, one per name (thing name or topic suffix).
 * operation: "update" (UpdateThingShadow with a new desired value) | "get" (GetThingShadow) | "publish" (Publish,
 * QoS 1, retain).
 */
export async function signedRequests(endpoint, operation, names) {
  const client = capturingClient(endpoint);
  const requests = [];
  for (const [i, name] of names.entries()) {
    const command =
      operation === "update"
        ? new UpdateThingShadowCommand({ thingName: name, payload: encode({ state: { desired: { level: i, on: true } } }) })
        : operation === "get"
          ? new GetThingShadowCommand({ thingName: name })
          : new PublishCommand({ topic: `bench/retained/${name}`, qos: 1, retain: true, payload: encode({ level: i, on: true }) });
    requests.push(toReplayable(await capture(client, command)));
  }
  return requests;
}

/** An UpdateThingShadow as the SDK sends it, for `fetch` (used to trigger one delta message). */
export async function signedUpdateForFetch(endpoint, thingName, desired) {
  const request = await capture(capturingClient(endpoint), new UpdateThingShadowCommand({ thingName, payload: encode({ state: { desired } }) }));
  const headers = { ...request.headers };
  delete headers.host; // fetch sets it from the URL, to the same value
  return { url: `${endpoint}${request.path}`, init: { method: request.method, headers, body: Buffer.from(request.body) } };
}

/**
 * One signed data-plane request for `fetch`, as the SDK sends it: `operation` "update" ({ thingName, desired }),
 * "get" ({ thingName }) or "publish" ({ topic, payload, qos, retain }).
 */
export async function signedForFetch(endpoint, operation, args) {
  const command =
    operation === "update"
      ? new UpdateThingShadowCommand({ thingName: args.thingName, payload: encode({ state: { desired: args.desired } }) })
      : operation === "get"
        ? new GetThingShadowCommand({ thingName: args.thingName })
        : new PublishCommand({ topic: args.topic, qos: args.qos ?? 0, retain: args.retain ?? false, payload: encode(args.payload) });
  const request = await capture(capturingClient(endpoint), command);
  const headers = { ...request.headers };
  // fetch sets both, to the same values (from the URL and the body); some fetch implementations refuse them given.
  delete headers.host;
  delete headers["content-length"];
  const query = new URLSearchParams(request.query ?? {}).toString();
  return {
    url: `${endpoint}${request.path}${query ? `?${query}` : ""}`,
    init: { method: request.method, headers, ...(request.body ? { body: Buffer.from(request.body) } : {}) },
  };
}

/** SHA-256 / HMAC-SHA-256 in the shape @smithy/signature-v4 expects. */
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data) {
    this.hash.update(typeof data === "string" ? Buffer.from(data, "utf8") : data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/**
 * A pre-signed `/mqtt` WebSocket URL (SigV4, service iotdevicegateway, signed host `host`), valid `expiresIn`
 * seconds: the form generic presigners produce, which the server accepts beside the device SDKs' form.
 */
export async function presignedMqttUrl(host, expiresIn = 900) {
  const signer = new SignatureV4({ credentials: CREDENTIALS, region: REGION, service: "iotdevicegateway", sha256: Sha256 });
  const [hostname, port] = host.split(":");
  const signed = await signer.presign(
    { method: "GET", protocol: "http:", hostname, port: Number(port), path: "/mqtt", query: {}, headers: { host } },
    { expiresIn },
  );
  const query = Object.entries(signed.query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return `ws://${host}/mqtt?${query}`;
}
