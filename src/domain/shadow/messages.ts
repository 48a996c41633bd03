/**
 * Exact AWS error texts of the Device Shadow service [DG:device-shadow-error-messages] (identical in the
 * Greengrass shadow manager). Name-validation texts follow Greengrass; the cloud's are unverified.
 */
export const SHADOW_ERROR_MESSAGES = {
  invalidJson: "Invalid JSON",
  missingState: "Missing required node: state",
  stateNotObject: "State node must be an object",
  desiredNotObject: "Desired node must be an object",
  reportedNotObject: "Reported node must be an object",
  invalidStateNode: "State contains an invalid node",
  invalidVersion: "Invalid version",
  invalidClientToken: "Invalid clientToken",
  tooDeep: "JSON contains too many levels of nesting; maximum is 6",
  versionConflict: "Version conflict",
  payloadTooLarge: "The payload exceeds the maximum size allowed",
  // "documented" (sic) is the service's own spelling.
  unsupportedEncoding: "Unsupported documented encoding; supported encoding is UTF-8",
  thingNameMissing: "ThingName is missing",
  thingNameTooLong: "ThingName has a maximum length of 128",
  thingNamePattern: "ThingName must match pattern [a-zA-Z0-9:_-]+",
  shadowNameMissing: "ShadowName is missing",
  shadowNameTooLong: "ShadowName has a maximum length of 64",
  shadowNamePattern: "ShadowName must match pattern [$a-zA-Z0-9:_-]+",
  shadowNameReserved: "ShadowName starting with '$' is reserved",
} as const;

/** `<name>` is the shadow name, or the thing name for the classic shadow [DG:using-device-shadows]. */
export const shadowNotFoundMessage = (thingName: string, shadowName?: string): string => `No shadow exists with name: '${shadowName ?? thingName}'`;
