// This project's extensions through the real server: shadow history and changes of shadows changed by a device
// over MQTT (mqtt.js) and by the AWS SDK, and the fleet directory listing them.
import { DeleteThingShadowCommand, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { describe, expect, inject, it } from "vitest";
import { connectMqtt } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";
import { signedRequest } from "../helpers/signedFetch";

const baseUrl = inject("baseUrl");
const client = dataPlaneClient(baseUrl);
// biome-ignore lint/suspicious/noExplicitAny: response documents are checked field by field
const get = async (path: string): Promise<{ status: number; type: string | null; body: any }> => {
  const response = await fetch(await signedRequest(`${baseUrl}${path}`));
  return { status: response.status, type: response.headers.get("x-amzn-errortype"), body: await response.json() };
};

describe("shadow history and fleet directory (this project's extensions)", () => {
  it("records a device's MQTT updates and the SDK's, answers what changed since a version, and lists the thing", async () => {
    const thing = uniqueName("hist-e2e");
    const device = await connectMqtt(baseUrl, { clientId: thing, protocolVersion: 5 });
    try {
      await device.client.subscribeAsync(`$aws/things/${thing}/shadow/update/accepted`);
      device.client.publish(
        `$aws/things/${thing}/shadow/update`,
        JSON.stringify({ state: { reported: { temp: 20, fw: "1.0" } }, clientToken: "dev-1" }),
      );
      await device.next(`$aws/things/${thing}/shadow/update/accepted`);
    } finally {
      await device.end();
    }
    await client.send(
      new UpdateThingShadowCommand({ thingName: thing, payload: bytes({ state: { desired: { temp: 22 }, reported: { fw: null } } }) }),
    );

    const history = await get(`/things/${thing}/shadow/history`);
    expect(history.status).toBe(200);
    expect(
      history.body.history.map((e: { version: number; operation: string; clientToken?: string }) => [e.version, e.operation, e.clientToken]),
    ).toEqual([
      [1, "update", "dev-1"],
      [2, "update", undefined],
    ]);
    expect(history.body.history[1].state).toEqual({ desired: { temp: 22 }, reported: { temp: 20 }, delta: { temp: 22 } });

    const changes = await get(`/things/${thing}/shadow/changes?sinceVersion=1`);
    expect(changes.body).toMatchObject({ fromVersion: 1, version: 2, state: { desired: { temp: 22 }, reported: { fw: null } } });

    const listed = async () => (await get(`/api/things/shadow/ListThingsWithShadows?thingNamePrefix=${thing}`)).body.things;
    const deadline = Date.now() + 10_000;
    while ((await listed()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await listed()).toEqual([{ thingName: thing, shadowCount: 1 }]);

    // A delete is a change too; the thing leaves the directory with its last shadow.
    await client.send(new DeleteThingShadowCommand({ thingName: thing }));
    const after = await get(`/things/${thing}/shadow/history?fromVersion=2`);
    expect(after.body.history.map((e: { operation: string }) => e.operation)).toEqual(["update", "delete"]);
    const gone = await get(`/things/${thing}/shadow/changes?sinceVersion=1`);
    expect([gone.status, gone.type]).toEqual([404, "ResourceNotFoundException"]);
    while ((await listed()).length > 0 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(await listed()).toEqual([]);
  });
});
