/**
 * Dependency-free MQTT 3.1.1 + 5 packet codec on Uint8Array (runs in workerd and Node).
 *
 * - `encode(packet, version)` → bytes (a view: send the view, not its `.buffer`).
 * - `new MqttParser({ maxPacketSize })` → `push(chunk)` → complete packets; throws `MqttProtocolError`
 *   (with the MQTT 5 Reason Code for the CONNACK / DISCONNECT) on anything the spec forbids.
 * - `encodePublishTemplate` + `withMessageId` → one encoding per message for fan-out.
 *
 * Topic syntax (wildcards, `$` topics, AWS IoT limits) is not checked here: that belongs to the
 * broker's topic rules.
 */

export { encode } from "./encode";
export { MqttProtocolError } from "./errors";
export type * from "./packets";
export { PACKET_TYPE } from "./packets";
export { MqttParser, type MqttParserOptions } from "./parser";
export { encodePublishTemplate, type PublishTemplate, withMessageId } from "./publishTemplate";
export { ReasonCode, type ReasonCodeValue } from "./reasonCodes";
