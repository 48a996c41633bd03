import { iotArn } from "./arn";
import { isAllowed } from "./authorize";
import type { Principal } from "./credentials";

/** The account and region a deployment's ARNs name. */
export interface AuthScope {
  region: string;
  account: string;
}

/**
 * Publishing as a principal: `iot:Publish` on the topic, and `iot:RetainPublish` too when the message is retained
 * (Developer Guide, "AWS IoT Core policy actions"). The one check for every way a message enters: HTTP Publish, an
 * MQTT PUBLISH, and a will, which is a publish by the connecting principal authorized when it connects.
 */
export function mayPublish(principal: Principal, scope: AuthScope, message: { topic: string; retain: boolean }, clientId?: string): boolean {
  const arn = iotArn.topic(scope.region, scope.account, message.topic);
  const vars = clientId !== undefined ? { clientId } : {};
  return isAllowed(principal, "iot:Publish", arn, vars) && (!message.retain || isAllowed(principal, "iot:RetainPublish", arn, vars));
}

export function mayConnect(principal: Principal, scope: AuthScope, clientId: string): boolean {
  return isAllowed(principal, "iot:Connect", iotArn.client(scope.region, scope.account, clientId), { clientId });
}

export function maySubscribe(principal: Principal, scope: AuthScope, filter: string, clientId: string): boolean {
  return isAllowed(principal, "iot:Subscribe", iotArn.topicFilter(scope.region, scope.account, filter), { clientId });
}

const variableUse = new WeakMap<Principal, boolean>();
/** Whether any of the principal's policies has a policy variable (`${iot:ClientId}`…). */
function usesPolicyVariables(principal: Principal): boolean {
  let uses = variableUse.get(principal);
  if (uses === undefined) variableUse.set(principal, (uses = JSON.stringify(principal.policies).includes("${")));
  return uses;
}

/**
 * `iot:Receive` for one delivery. When the principal's policies use no variable the answer depends only on the
 * principal and the topic, so a fan-out passes a `decided` map and asks once per principal, not once per subscriber.
 */
export function mayReceive(principal: Principal, scope: AuthScope, topic: string, clientId: string, decided?: Map<string, boolean>): boolean {
  const shared = decided && !usesPolicyVariables(principal) ? `${principal.accessKeyId}\n${topic}` : undefined;
  const known = shared !== undefined ? decided!.get(shared) : undefined;
  if (known !== undefined) return known;
  const allowed = isAllowed(principal, "iot:Receive", iotArn.topic(scope.region, scope.account, topic), { clientId });
  if (shared !== undefined) decided!.set(shared, allowed);
  return allowed;
}
