/**
 * Device Shadow limits, the one place they live (spec shadow-semantics.md §8).
 * - maxStateBytes: stored desired + reported, compact JSON, metadata excluded [DG:diagnosing-shadows].
 * - maxDepth: nesting inside desired/reported [DG:device-shadow-error-messages].
 * - maxClientTokenBytes: UTF-8 bytes, not characters [DG:device-shadow-document].
 * - maxPayloadBytes: raw request cap, the 128 KB message size limit of AWS IoT Core.
 * - thingNameMax / shadowNameMax / listPageSize*: Smithy iot-data-plane model; default page size 25 is
 *   Greengrass shadow manager's (cloud default unverified).
 */
export const SHADOW_LIMITS = {
  maxStateBytes: 8192,
  maxDepth: 6,
  maxClientTokenBytes: 64,
  maxPayloadBytes: 131072,
  thingNameMax: 128,
  shadowNameMax: 64,
  listPageSizeMax: 100,
  listPageSizeDefault: 25,
} as const;
