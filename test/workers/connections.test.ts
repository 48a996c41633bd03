import { env, evictDurableObject, listDurableObjectIds } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";
import { openMqtt } from "./mqttClient";

/** An MQTT 3.1.1 client over a WebSocket opened inside workerd, with extra headers on the upgrade. */
const open = (headers: Record<string, string> = {}) => openMqtt({ headers });

const getConnection = async (clientId: string) => {
  const response = await exports.default.fetch(
    await signedRequest(`https://iot.test/connections/${encodeURIComponent(clientId)}?includeSocketInformation=true`),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("connection operations inside workerd", () => {
  it("reports the address from CF-Connecting-IP only, never one the client put in its own headers", async () => {
    const forged = await open({ "x-iot-source-ip": "6.6.6.6", "x-iot-target-ip": "6.6.6.6" });
    const forgedId = uniqueName("forged");
    forged.send({ cmd: "connect", protocolVersion: 4, clientId: forgedId, clean: true, keepalive: 60 });
    await forged.next("connack");
    const got = await getConnection(forgedId);
    expect(got.status).toBe(200);
    expect(got.body.sourceIp).toBeUndefined();
    // The request's host is a name, not an address: no targetIp; its port is the scheme's.
    expect(got.body.targetIp).toBeUndefined();
    expect(got.body.targetPort).toBe(443);
    forged.ws.close();

    const edge = await open({ "cf-connecting-ip": "198.51.100.7" });
    const edgeId = uniqueName("edge");
    edge.send({ cmd: "connect", protocolVersion: 4, clientId: edgeId, clean: true, keepalive: 60 });
    await edge.next("connack");
    expect((await getConnection(edgeId)).body).toMatchObject({ connected: true, sourceIp: "198.51.100.7" });
    edge.ws.close();
  });

  it("answers GetConnection and ListSubscriptions from the hub's storage after the hub was evicted (hibernation)", async () => {
    const client = await open();
    const clientId = uniqueName("hib");
    client.send({ cmd: "connect", protocolVersion: 4, clientId, clean: false, keepalive: 60 });
    await client.next("connack");
    client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "hib/a", qos: 1 }] });
    await client.next("suback");
    const before = await getConnection(clientId);
    for (const id of await listDurableObjectIds(env.MQTT_HUBS)) {
      await evictDurableObject(env.MQTT_HUBS.get(id)).catch((error: Error) => expect(error.message).toContain("not currently running"));
    }
    const after = await getConnection(clientId);
    expect(after.body).toEqual(before.body);
    expect(after.body).toMatchObject({ connected: true, cleanSession: false, keepAliveDuration: 60, sessionExpiry: 3600 });
    const subs = await exports.default.fetch(await signedRequest(`https://iot.test/connections/${clientId}/subscriptions`));
    expect(await subs.json()).toEqual({ subscriptions: [{ topicFilter: "hib/a", qos: 1 }] });
    client.ws.close();
  });

  it("answers unknown sub-routes with 405 and a bad client id with 400, before any object is asked", async () => {
    const other = await exports.default.fetch(await signedRequest("https://iot.test/connections/c1/other"));
    expect(other.status).toBe(405);
    const bad = await exports.default.fetch(await signedRequest("https://iot.test/connections/%24c1"));
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
  });
});
