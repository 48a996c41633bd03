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
export type * from "./packets";
export { PACKET_TYPE } from "./packets";
export { encode } from "./encode";
export { MqttParser, type MqttParserOptions } from "./parser";
export { MqttProtocolError } from "./errors";
export { ReasonCode, type ReasonCodeValue } from "./reasonCodes";
export { encodePublishTemplate, withMessageId, type PublishTemplate } from "./publishTemplate";
