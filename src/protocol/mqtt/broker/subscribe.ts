import { parseSharedFilter, subscriptionFilterProblem } from "../../../domain/topics";
import { ReasonCode, type ReasonCodeValue, type SubscribePacket } from "../codec";
import { MQTT_LIMITS } from "./limits";

export interface AcceptedSubscription {
  filter: string;
  qos: 0 | 1;
  retainAsPublished: boolean;
  /** The client had this filter already (the subscription is replaced, not added). */
  replaced: boolean;
  /**
   * Deliver the topic's retained message now: exact filters only (AWS IoT), never to a shared subscription, as
   * Retain Handling allows.
   */
  sendRetained: boolean;
}

export type SubscribeDecision =
  /** One code per requested filter, in order (the granted QoS or an MQTT 5 failure), and what to subscribe. */
  | { action: "subscribe"; granted: number[]; accepted: AcceptedSubscription[] }
  /**
   * No SUBACK at all: AWS IoT does not support QoS 2 and answers a SUBSCRIBE asking for it with nothing
   * (Developer Guide, "MQTT differences").
   */
  | { action: "ignore" }
  /** Close the connection (MQTT 5: DISCONNECT with this reason). */
  | { action: "close"; reasonCode: ReasonCodeValue; why: string };

export interface SubscribeContext {
  protocolVersion: 4 | 5;
  /** Filters the client is subscribed to already. */
  existing: ReadonlySet<string>;
  /** The iot:Subscribe policy check (on `topicfilter/{filter}`, a shared filter with its `$share/{group}/` prefix). */
  maySubscribe(filter: string): boolean;
}

/**
 * What a SUBSCRIBE gets, filter by filter, under AWS IoT's rules (Developer Guide, "MQTT" and "AWS IoT Core quotas"):
 * 8 filters per SUBSCRIBE and 50 subscriptions per connection, shared subscriptions on both protocol versions. An
 * MQTT 5 client learns each refusal from its reason code; AWS IoT closes an MQTT 3.1.1 connection instead (its SUBACK
 * has no way to say why).
 */
export function decideSubscribe(packet: SubscribePacket, context: SubscribeContext): SubscribeDecision {
  if (packet.properties?.subscriptionIdentifiers?.length) {
    // AWS IoT: "Subscription Identifiers not supported" (CONNACK says so too).
    return { action: "close", reasonCode: ReasonCode.SubscriptionIdentifiersNotSupported, why: "Subscription identifiers are not supported" };
  }
  if (packet.subscriptions.some((s) => s.qos === 2)) return { action: "ignore" };
  const granted: number[] = [];
  const accepted: AcceptedSubscription[] = [];
  let count = context.existing.size;
  for (const [i, s] of packet.subscriptions.entries()) {
    const shared = parseSharedFilter(s.topic) !== null;
    // [MQTT-3.8.3-4]: No Local on a shared subscription is a protocol error.
    if (shared && s.nl === true) return { action: "close", reasonCode: ReasonCode.ProtocolError, why: "No Local set on a shared subscription" };
    const replaced = context.existing.has(s.topic) || accepted.some((a) => a.filter === s.topic);
    let failure: ReasonCodeValue | undefined;
    if (i >= MQTT_LIMITS.subscriptionsPerSubscribe) failure = ReasonCode.QuotaExceeded;
    else if (subscriptionFilterProblem(s.topic) !== null) failure = ReasonCode.TopicFilterInvalid;
    else if (!context.maySubscribe(s.topic)) failure = ReasonCode.NotAuthorized;
    else if (!replaced && count >= MQTT_LIMITS.subscriptionsPerConnection) failure = ReasonCode.QuotaExceeded;
    if (failure !== undefined) {
      if (context.protocolVersion === 4) return { action: "close", reasonCode: failure, why: `Subscription to ${s.topic} refused` };
      granted.push(failure);
      continue;
    }
    if (!replaced) count += 1;
    const qos = s.qos === 1 ? 1 : 0;
    const rh = s.rh ?? 0;
    const exact = !shared && !/[+#]/.test(s.topic);
    // No Local is not honoured, as by AWS IoT (a publisher subscribed to its own topic receives its messages).
    accepted.push({
      filter: s.topic,
      qos,
      retainAsPublished: s.rap === true,
      replaced,
      sendRetained: exact && (rh === 0 || (rh === 1 && !replaced)),
    });
    granted.push(qos);
  }
  return { action: "subscribe", granted, accepted };
}
