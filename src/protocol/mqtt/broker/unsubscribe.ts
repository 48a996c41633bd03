import { subscriptionFilterProblem } from "../../../domain/topics";
import { ReasonCode, type UnsubackPacket, type UnsubscribePacket } from "../codec";

export interface UnsubscribeDecision {
  /** Filters the client had, removed. */
  removed: string[];
  unsuback: UnsubackPacket;
}

/**
 * What an UNSUBSCRIBE gets: every filter the client has is removed; MQTT 5 says filter by filter which existed, and
 * 0x8F for a filter that is not a valid one (AWS IoT's UNSUBACK codes).
 */
export function decideUnsubscribe(packet: UnsubscribePacket, protocolVersion: 4 | 5, existing: ReadonlySet<string>): UnsubscribeDecision {
  const removed = packet.unsubscriptions.filter((filter, i, all) => existing.has(filter) && all.indexOf(filter) === i);
  const granted = packet.unsubscriptions.map((filter) => {
    if (existing.has(filter)) return ReasonCode.Success;
    return subscriptionFilterProblem(filter) !== null ? ReasonCode.TopicFilterInvalid : ReasonCode.NoSubscriptionExisted;
  });
  return {
    removed,
    unsuback: protocolVersion === 5 ? { cmd: "unsuback", messageId: packet.messageId, granted } : { cmd: "unsuback", messageId: packet.messageId },
  };
}
