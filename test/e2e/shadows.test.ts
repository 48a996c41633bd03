import {
  ConflictException,
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  ListNamedShadowsForThingCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from "@aws-sdk/client-iot-data-plane";
import { describe, expect, inject, it } from "vitest";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient, json } from "../helpers/sdk";
import { signedRequest } from "../helpers/signedFetch";

const baseUrl = inject("baseUrl");
const client = dataPlaneClient(baseUrl);

describe("Device Shadow REST API through @aws-sdk/client-iot-data-plane", () => {
  it("creates, reads, updates with version checks and deletes a classic shadow", async () => {
    const thingName = uniqueName("lamp");
    const created = json(
      (
        await client.send(
          new UpdateThingShadowCommand({
            thingName,
            payload: bytes({ state: { desired: { color: "red", cfg: { levels: [1, 2] } } }, clientToken: "t1" }),
          }),
        )
      ).payload,
    );
    expect(created.state).toEqual({ desired: { color: "red", cfg: { levels: [1, 2] } } });
    expect(created.version).toBe(1);
    expect(created.clientToken).toBe("t1");
    expect(created.metadata.desired.cfg.levels).toHaveLength(2);

    await client.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { color: "blue" } }, version: 1 }) }));
    const read = json((await client.send(new GetThingShadowCommand({ thingName }))).payload);
    expect(read.version).toBe(2);
    expect(read.state.delta).toEqual({ color: "red", cfg: { levels: [1, 2] } });
    expect(read.state.reported).toEqual({ color: "blue" });

    const stale = client.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { color: "x" } }, version: 1 }) }));
    await expect(stale).rejects.toBeInstanceOf(ConflictException);
    await expect(stale).rejects.toThrow("Version conflict");
    expect(json((await client.send(new GetThingShadowCommand({ thingName }))).payload).state.reported).toEqual({ color: "blue" });

    const deleted = json((await client.send(new DeleteThingShadowCommand({ thingName }))).payload);
    expect(deleted).toEqual({ version: 2, timestamp: expect.any(Number) });
    const missing = client.send(new GetThingShadowCommand({ thingName }));
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(missing).rejects.toThrow(`No shadow exists with name: '${thingName}'`);
    await expect(client.send(new DeleteThingShadowCommand({ thingName }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    // Re-creating continues the version sequence.
    const recreated = json(
      (await client.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { on: true } } }) }))).payload,
    );
    expect(recreated.version).toBe(3);
  });

  it("keeps named shadows apart from the classic one and lists them page by page", async () => {
    const thingName = uniqueName("multi");
    const names = ["alpha", "beta", "gamma", "$package"];
    for (const shadowName of names) {
      await client.send(new UpdateThingShadowCommand({ thingName, shadowName, payload: bytes({ state: { reported: { name: shadowName } } }) }));
    }
    await client.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { classic: true } } }) }));
    const beta = json((await client.send(new GetThingShadowCommand({ thingName, shadowName: "beta" }))).payload);
    expect(beta.state.reported).toEqual({ name: "beta" });
    await expect(client.send(new GetThingShadowCommand({ thingName, shadowName: "delta" }))).rejects.toThrow("No shadow exists with name: 'delta'");

    const listed: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 1, nextToken }));
      expect(page.results!.length).toBeLessThanOrEqual(1);
      listed.push(...(page.results ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(listed).toEqual([...names].sort());

    await client.send(new DeleteThingShadowCommand({ thingName, shadowName: "beta" }));
    const after = await client.send(new ListNamedShadowsForThingCommand({ thingName }));
    expect(after.results).toEqual(["$package", "alpha", "gamma"]);
    expect(after.nextToken).toBeUndefined();
    expect(typeof after.timestamp).toBe("number");
  });

  it("lists no shadows for an unknown thing", async () => {
    const page = await client.send(new ListNamedShadowsForThingCommand({ thingName: uniqueName("ghost") }));
    expect(page.results).toEqual([]);
  });

  it.each([
    ["invalid JSON", "{not json", InvalidRequestException, "Invalid JSON"],
    ["no state", { desired: { a: 1 } }, InvalidRequestException, "Missing required node: state"],
    ["desired not an object", { state: { desired: 5 } }, InvalidRequestException, "Desired node must be an object"],
    [
      "a state document over 8 KB",
      { state: { reported: { big: "x".repeat(8200) } } },
      RequestEntityTooLargeException,
      "The payload exceeds the maximum size allowed",
    ],
  ])("rejects %s with the SDK's exception and changes nothing", async (_, body, exception, message) => {
    const thingName = uniqueName("bad");
    await client.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { ok: 1 } } }) }));
    const attempt = client.send(new UpdateThingShadowCommand({ thingName, payload: bytes(body) }));
    await expect(attempt).rejects.toBeInstanceOf(exception);
    await expect(attempt).rejects.toThrow(message);
    const read = json((await client.send(new GetThingShadowCommand({ thingName }))).payload);
    expect(read.version).toBe(1);
    expect(read.state.reported).toEqual({ ok: 1 });
  });

  it.each([
    ["a thing name with a bad character", { thingName: "bad name!" }],
    ["a thing name over 128 characters", { thingName: "a".repeat(129) }],
    ["a shadow name over 64 characters", { thingName: "ok", shadowName: "s".repeat(65) }],
    ["a shadow name starting with $ that is not reserved", { thingName: "ok", shadowName: "$secret" }],
  ])("rejects %s with InvalidRequestException", async (_, input) => {
    await expect(client.send(new GetThingShadowCommand(input))).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it("rejects an invalid pageSize and a forged nextToken", async () => {
    const thingName = uniqueName("pages");
    await expect(client.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 101 }))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(client.send(new ListNamedShadowsForThingCommand({ thingName, nextToken: "forged.token" }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
  });

  it("answers an unknown route with MethodNotAllowedException", async () => {
    const response = await fetch(await signedRequest(`${baseUrl}/no/such/route`, { method: "PATCH" }));
    expect(response.status).toBe(405);
    expect(response.headers.get("x-amzn-errortype")).toBe("MethodNotAllowedException");
    expect(await response.json()).toEqual({ message: expect.any(String) });
  });
});
