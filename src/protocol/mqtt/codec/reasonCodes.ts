/** MQTT 5 Reason Codes (MQTT 5 §2.4, Table 2-6). */
export const ReasonCode = {
  Success: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  DisconnectWithWillMessage: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  ContinueAuthentication: 0x18,
  ReAuthenticate: 0x19,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  Banned: 0x8a,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  MessageRateTooHigh: 0x96,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  RetainNotSupported: 0x9a,
  QoSNotSupported: 0x9b,
  UseAnotherServer: 0x9c,
  ServerMoved: 0x9d,
  SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f,
  MaximumConnectTime: 0xa0,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

export type ReasonCodeValue = (typeof ReasonCode)[keyof typeof ReasonCode];

const R = ReasonCode;

/**
 * The Reason Codes each MQTT 5 packet may carry (the per-packet tables of MQTT 5 §3.x). A value
 * outside its packet's table is data the protocol does not allow; the decoder reports it as a
 * Protocol Error and the encoder refuses it.
 */
export const V5_REASON_CODES = {
  connack: new Set<number>([
    R.Success, R.UnspecifiedError, R.MalformedPacket, R.ProtocolError, R.ImplementationSpecificError,
    R.UnsupportedProtocolVersion, R.ClientIdentifierNotValid, R.BadUserNameOrPassword, R.NotAuthorized,
    R.ServerUnavailable, R.ServerBusy, R.Banned, R.BadAuthenticationMethod, R.TopicNameInvalid,
    R.PacketTooLarge, R.QuotaExceeded, R.PayloadFormatInvalid, R.RetainNotSupported, R.QoSNotSupported,
    R.UseAnotherServer, R.ServerMoved, R.ConnectionRateExceeded,
  ]),
  // MQTT 5 §3.4.2.1 (PUBACK) and §3.5.2.1 (PUBREC) share one table.
  puback: new Set<number>([
    R.Success, R.NoMatchingSubscribers, R.UnspecifiedError, R.ImplementationSpecificError, R.NotAuthorized,
    R.TopicNameInvalid, R.PacketIdentifierInUse, R.QuotaExceeded, R.PayloadFormatInvalid,
  ]),
  // MQTT 5 §3.6.2.1 (PUBREL) and §3.7.2.1 (PUBCOMP) share one table.
  pubrel: new Set<number>([R.Success, R.PacketIdentifierNotFound]),
  suback: new Set<number>([
    R.Success, R.GrantedQoS1, R.GrantedQoS2, R.UnspecifiedError, R.ImplementationSpecificError,
    R.NotAuthorized, R.TopicFilterInvalid, R.PacketIdentifierInUse, R.QuotaExceeded,
    R.SharedSubscriptionsNotSupported, R.SubscriptionIdentifiersNotSupported,
    R.WildcardSubscriptionsNotSupported,
  ]),
  unsuback: new Set<number>([
    R.Success, R.NoSubscriptionExisted, R.UnspecifiedError, R.ImplementationSpecificError, R.NotAuthorized,
    R.TopicFilterInvalid, R.PacketIdentifierInUse,
  ]),
  disconnect: new Set<number>([
    R.Success, R.DisconnectWithWillMessage, R.UnspecifiedError, R.MalformedPacket, R.ProtocolError,
    R.ImplementationSpecificError, R.NotAuthorized, R.ServerBusy, R.ServerShuttingDown, R.KeepAliveTimeout,
    R.SessionTakenOver, R.TopicFilterInvalid, R.TopicNameInvalid, R.ReceiveMaximumExceeded,
    R.TopicAliasInvalid, R.PacketTooLarge, R.MessageRateTooHigh, R.QuotaExceeded, R.AdministrativeAction,
    R.PayloadFormatInvalid, R.RetainNotSupported, R.QoSNotSupported, R.UseAnotherServer, R.ServerMoved,
    R.SharedSubscriptionsNotSupported, R.ConnectionRateExceeded, R.MaximumConnectTime,
    R.SubscriptionIdentifiersNotSupported, R.WildcardSubscriptionsNotSupported,
  ]),
  auth: new Set<number>([R.Success, R.ContinueAuthentication, R.ReAuthenticate]),
} as const;

/** 3.1.1 CONNACK return codes 0-5 (3.1.1 §3.2.2.3); 6-255 are reserved. */
export const V4_MAX_CONNACK_RETURN_CODE = 5;

/** 3.1.1 SUBACK return codes (3.1.1 §3.9.3): 0x00, 0x01, 0x02 and 0x80 (Failure); others are reserved [MQTT-3.9.3-2]. */
export const V4_SUBACK_RETURN_CODES = new Set<number>([0x00, 0x01, 0x02, 0x80]);
