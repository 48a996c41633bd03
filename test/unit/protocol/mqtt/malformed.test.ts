/**
 * Every normative check of the decoder: a stream that breaks the rule makes the parser throw
 * MqttProtocolError with the MQTT 5 Reason Code the CONNACK / DISCONNECT must carry.
 */
import { describe, expect, it } from "vitest";
import { MqttParser, MqttProtocolError } from "../../../../src/protocol/mqtt/codec";
import { MALFORMED_CASES } from "../../../fixtures/mqtt/malformed";

function parseError(bytes: Uint8Array, streamVersion: 4 | 5 | undefined, chunkSize?: number): unknown {
  const parser = new MqttParser({ protocolVersion: streamVersion, maxPacketSize: 1 << 20 });
  try {
    if (chunkSize === undefined) parser.push(bytes);
    else for (let i = 0; i < bytes.length; i += chunkSize) parser.push(bytes.subarray(i, i + chunkSize));
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(MALFORMED_CASES.map((c) => [c.rule, c] as const))("%s", (_, { bytes, streamVersion, reasonCode, because }) => {
  it(`is refused with reason code 0x${reasonCode.toString(16)}`, () => {
    const error = parseError(bytes, streamVersion);
    expect(error).toBeInstanceOf(MqttProtocolError);
    expect((error as MqttProtocolError).reasonCode).toBe(reasonCode);
    expect((error as MqttProtocolError).message).toContain(because);
  });

  it("is refused the same way when it arrives byte by byte", () => {
    const error = parseError(bytes, streamVersion, 1);
    expect((error as MqttProtocolError).reasonCode).toBe(reasonCode);
  });
});
