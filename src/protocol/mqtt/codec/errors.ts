import { ReasonCode, type ReasonCodeValue } from "./reasonCodes";

/**
 * A received byte stream that breaks the MQTT rules. The receiver must close the Network Connection
 * (MQTT 5 §4.13); `reasonCode` is the MQTT 5 Reason Code to put in the CONNACK or DISCONNECT sent
 * before closing where the protocol version allows it (3.1.1 just closes, or answers a bad
 * protocol level with CONNACK return code 0x01).
 *
 * Deliberately not a `ServiceError`: it never becomes an AWS error response, only a closed socket.
 */
export class MqttProtocolError extends Error {
  override readonly name = "MqttProtocolError";
  constructor(
    readonly reasonCode: ReasonCodeValue,
    message: string,
  ) {
    super(message);
  }
}

export const malformed = (message: string): MqttProtocolError => new MqttProtocolError(ReasonCode.MalformedPacket, message);

export const protocolError = (message: string): MqttProtocolError => new MqttProtocolError(ReasonCode.ProtocolError, message);
