/**
 * Resource ARNs that AWS IoT authorizes against (spec auth.md §4, control-plane.md;
 * Developer Guide "AWS IoT Core policy actions"). Names go in verbatim: a topic `a/b` is
 * `topic/a/b`, and MQTT wildcards in a filter stay literal (`topicfilter/a/+`).
 */
const prefix = (region: string, account: string) => `arn:aws:iot:${region}:${account}`;

export const iotArn = {
  /** Shadow actions (Get/Update/DeleteThingShadow, ListNamedShadowsForThing). */
  thing: (region: string, account: string, thingName: string) => `${prefix(region, account)}:thing/${thingName}`,
  /** iot:Publish, iot:RetainPublish, iot:Receive, iot:GetRetainedMessage. */
  topic: (region: string, account: string, topic: string) => `${prefix(region, account)}:topic/${topic}`,
  /** iot:Subscribe. */
  topicFilter: (region: string, account: string, filter: string) => `${prefix(region, account)}:topicfilter/${filter}`,
  /** iot:Connect. */
  client: (region: string, account: string, clientId: string) => `${prefix(region, account)}:client/${clientId}`,
  stream: (region: string, account: string, streamId: string) => `${prefix(region, account)}:stream/${streamId}`,
  package: (region: string, account: string, packageName: string) => `${prefix(region, account)}:package/${packageName}`,
  packageVersion: (region: string, account: string, packageName: string, versionName: string) =>
    `${prefix(region, account)}:package/${packageName}/version/${versionName}`,
} as const;

/** Resource of account-wide actions: "The resource ARN specified for [iot:ListRetainedMessages] must be *". */
export const ANY_RESOURCE = "*";
