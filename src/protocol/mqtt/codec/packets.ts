/**
 * MQTT 3.1.1 (protocol level 4) and MQTT 5 (level 5) control packets as plain objects, discriminated
 * on `cmd`. Field names follow the `mqtt-packet` npm package where it makes sense, so code and tests
 * written against it read the same; binary fields are `Uint8Array` (never Buffer) so the codec runs
 * in workerd.
 *
 * Fields that only exist in MQTT 5 (properties, reason codes of acks, subscription options other
 * than QoS) are ignored when encoding for 3.1.1.
 */

export type ProtocolVersion = 4 | 5;
export type QoS = 0 | 1 | 2;

/** One MQTT 5 User Property. Names may repeat and order is significant, so a list, not a record. */
export type UserProperty = [name: string, value: string];

/**
 * Every MQTT 5 property (MQTT 5 §2.2.2.2, Table 2-4). Which ones a packet may carry is narrowed by
 * the per-packet aliases below and enforced by the codec. Byte properties whose only legal values
 * are 0 and 1 are booleans.
 */
export interface Properties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  /** PUBLISH may carry several (one per matching subscription); SUBSCRIBE at most one. */
  subscriptionIdentifiers?: number[];
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Uint8Array;
  requestProblemInformation?: boolean;
  willDelayInterval?: number;
  requestResponseInformation?: boolean;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: 0 | 1;
  retainAvailable?: boolean;
  userProperties?: UserProperty[];
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: boolean;
  subscriptionIdentifiersAvailable?: boolean;
  sharedSubscriptionAvailable?: boolean;
}

export type ConnectProperties = Pick<
  Properties,
  | "sessionExpiryInterval"
  | "receiveMaximum"
  | "maximumPacketSize"
  | "topicAliasMaximum"
  | "requestResponseInformation"
  | "requestProblemInformation"
  | "userProperties"
  | "authenticationMethod"
  | "authenticationData"
>;
export type WillProperties = Pick<
  Properties,
  "willDelayInterval" | "payloadFormatIndicator" | "messageExpiryInterval" | "contentType" | "responseTopic" | "correlationData" | "userProperties"
>;
export type ConnackProperties = Pick<
  Properties,
  | "sessionExpiryInterval"
  | "receiveMaximum"
  | "maximumQoS"
  | "retainAvailable"
  | "maximumPacketSize"
  | "assignedClientIdentifier"
  | "topicAliasMaximum"
  | "reasonString"
  | "userProperties"
  | "wildcardSubscriptionAvailable"
  | "subscriptionIdentifiersAvailable"
  | "sharedSubscriptionAvailable"
  | "serverKeepAlive"
  | "responseInformation"
  | "serverReference"
  | "authenticationMethod"
  | "authenticationData"
>;
export type PublishProperties = Pick<
  Properties,
  | "payloadFormatIndicator"
  | "messageExpiryInterval"
  | "topicAlias"
  | "responseTopic"
  | "correlationData"
  | "userProperties"
  | "subscriptionIdentifiers"
  | "contentType"
>;
/** PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK. */
export type AckProperties = Pick<Properties, "reasonString" | "userProperties">;
export type SubscribeProperties = Pick<Properties, "subscriptionIdentifiers" | "userProperties">;
export type UnsubscribeProperties = Pick<Properties, "userProperties">;
export type DisconnectProperties = Pick<Properties, "sessionExpiryInterval" | "reasonString" | "userProperties" | "serverReference">;
export type AuthProperties = Pick<Properties, "authenticationMethod" | "authenticationData" | "reasonString" | "userProperties">;

export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties?: WillProperties;
}

export interface ConnectPacket {
  cmd: "connect";
  protocolVersion: ProtocolVersion;
  clientId: string;
  /** CleanSession (3.1.1) / Clean Start (5). */
  clean: boolean;
  keepalive: number;
  username?: string;
  password?: Uint8Array;
  will?: Will;
  properties?: ConnectProperties;
}

export interface ConnackPacket {
  cmd: "connack";
  sessionPresent: boolean;
  /** 3.1.1 Connect Return Code (0-5). Required when encoding for protocol level 4. */
  returnCode?: number;
  /** MQTT 5 Reason Code. Required when encoding for protocol level 5. */
  reasonCode?: number;
  properties?: ConnackProperties;
}

export interface PublishPacket {
  cmd: "publish";
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when qos > 0. */
  messageId?: number;
  properties?: PublishProperties;
}

export interface PubackPacket {
  cmd: "puback";
  messageId: number;
  /** MQTT 5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: AckProperties;
}
export interface PubrecPacket {
  cmd: "pubrec";
  messageId: number;
  reasonCode?: number;
  properties?: AckProperties;
}
export interface PubrelPacket {
  cmd: "pubrel";
  messageId: number;
  reasonCode?: number;
  properties?: AckProperties;
}
export interface PubcompPacket {
  cmd: "pubcomp";
  messageId: number;
  reasonCode?: number;
  properties?: AckProperties;
}

export interface Subscription {
  topic: string;
  qos: QoS;
  /** MQTT 5 No Local. */
  nl?: boolean;
  /** MQTT 5 Retain As Published. */
  rap?: boolean;
  /** MQTT 5 Retain Handling (0, 1 or 2). */
  rh?: 0 | 1 | 2;
}

export interface SubscribePacket {
  cmd: "subscribe";
  messageId: number;
  subscriptions: Subscription[];
  properties?: SubscribeProperties;
}

export interface SubackPacket {
  cmd: "suback";
  messageId: number;
  /** One return code (3.1.1) / reason code (5) per requested subscription, in order. */
  granted: number[];
  properties?: AckProperties;
}

export interface UnsubscribePacket {
  cmd: "unsubscribe";
  messageId: number;
  unsubscriptions: string[];
  properties?: UnsubscribeProperties;
}

export interface UnsubackPacket {
  cmd: "unsuback";
  messageId: number;
  /** MQTT 5 only: one reason code per topic filter (named as in mqtt-packet). */
  granted?: number[];
  properties?: AckProperties;
}

export interface PingreqPacket {
  cmd: "pingreq";
}
export interface PingrespPacket {
  cmd: "pingresp";
}

export interface DisconnectPacket {
  cmd: "disconnect";
  /** MQTT 5 only; 0 (Normal disconnection) when absent. */
  reasonCode?: number;
  properties?: DisconnectProperties;
}

/** MQTT 5 only. */
export interface AuthPacket {
  cmd: "auth";
  reasonCode: number;
  properties?: AuthProperties;
}

export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | AuthPacket;

export type PacketCmd = Packet["cmd"];

/** Control packet type numbers (MQTT 5 §2.1.2, Table 2-1; 3.1.1 §2.2.1). */
export const PACKET_TYPE: Readonly<Record<PacketCmd, number>> = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
};
