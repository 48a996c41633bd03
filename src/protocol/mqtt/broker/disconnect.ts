import { type DisconnectPacket, MqttProtocolError, ReasonCode } from "../codec";
import { MQTT_LIMITS } from "./limits";

export interface DisconnectDecision {
  /** The session's expiry from now on (seconds), when the DISCONNECT changes it. */
  sessionExpiry?: number;
  /** A normal DISCONNECT discards the will [MQTT-3.14.4-3]; MQTT 5 reason 0x04 asks for it to be published. */
  publishWill: boolean;
}

/** What a client's DISCONNECT does to its session (MQTT 5 §3.14.2.2.2). */
export function decideDisconnect(
  packet: DisconnectPacket,
  sessionExpiry: number,
  maximum: number = MQTT_LIMITS.sessionExpiryMaxSeconds,
): DisconnectDecision {
  const requested = packet.properties?.sessionExpiryInterval;
  const publishWill = packet.reasonCode === ReasonCode.DisconnectWithWillMessage;
  if (requested === undefined) return { publishWill };
  // [MQTT-3.14.2-2]: a session that was to end with its connection cannot be extended at disconnect.
  if (sessionExpiry === 0 && requested > 0) throw new MqttProtocolError(ReasonCode.ProtocolError, "Session Expiry Interval was 0 at CONNECT");
  return { sessionExpiry: Math.min(requested, maximum), publishWill };
}
