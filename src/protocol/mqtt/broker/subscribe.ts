import { isValidTopicFilter } from "../../../domain/topics";
import { ReasonCode, type SubscribePacket } from "../codec";
import { MQTT_LIMITS } from "./limits";

export interface AcceptedSubscription {
  filter: string;
  qos: 0 | 1;
  noLocal: boolean;
  retainAsPublished: boolean;
  /** The client had this filter already (the subscription is replaced, not added). */
  replaced: boolean;
  /** Deliver the topic's retained message now: exact filters only (AWS IoT), as Retain Handling allows. */
  sendRetained: boolean;
}

export interface SubscribeDecision {
  /** One code per requested filter, in order: the granted QoS or a failure (0x80 in 3.1.1). */
  granted: number[];
  accepted: AcceptedSubscription[];
}

export interface SubscribeContext {
  protocolVersion: 4 | 5;
  /** Filters the client is subscribed to already. */
  existing: ReadonlySet<string>;
  /** The iot:Subscribe policy check. */
  maySubscribe(filter: string): boolean;
}

/**
 * What a SUBSCRIBE gets, filter by filter, under AWS IoT's rules. Null: no SUBACK at all — AWS IoT does not support
 * QoS 2 and answers a SUBSCRIBE asking for it with nothing (Developer Guide, "MQTT differences").
 */
export function decideSubscribe(packet: SubscribePacket, context: SubscribeContext): SubscribeDecision | null {
  if (packet.subscriptions.some((s) => s.qos === 2)) return null;
  const failure = (reasonCode: number) => (context.protocolVersion === 5 ? reasonCode : 0x80);
  const granted: number[] = [];
  const accepted: AcceptedSubscription[] = [];
  let count = context.existing.size;
  for (const [i, s] of packet.subscriptions.entries()) {
    const replaced = context.existing.has(s.topic) || accepted.some((a) => a.filter === s.topic);
    if (i >= MQTT_LIMITS.subscriptionsPerSubscribe) granted.push(failure(ReasonCode.QuotaExceeded));
    else if (s.topic.startsWith("$share/")) granted.push(failure(ReasonCode.SharedSubscriptionsNotSupported));
    else if (!isValidTopicFilter(s.topic)) granted.push(failure(ReasonCode.TopicFilterInvalid));
    else if (!context.maySubscribe(s.topic)) granted.push(failure(ReasonCode.NotAuthorized));
    else if (!replaced && count >= MQTT_LIMITS.subscriptionsPerConnection) granted.push(failure(ReasonCode.QuotaExceeded));
    else {
      if (!replaced) count += 1;
      const qos = s.qos === 1 ? 1 : 0;
      const rh = s.rh ?? 0;
      const exact = !/[+#]/.test(s.topic);
      accepted.push({
        filter: s.topic,
        qos,
        noLocal: s.nl === true,
        retainAsPublished: s.rap === true,
        replaced,
        sendRetained: exact && (rh === 0 || (rh === 1 && !replaced)),
      });
      granted.push(qos);
    }
  }
  return { granted, accepted };
}
