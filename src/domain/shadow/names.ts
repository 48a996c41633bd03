import { ServiceError } from "../errors";
import { SHADOW_LIMITS } from "./limits";
import { SHADOW_ERROR_MESSAGES as MSG } from "./messages";

// Smithy iot-data-plane model patterns; the `$` in shadow names exists for reserved shadows.
const THING_NAME = /^[a-zA-Z0-9:_-]+$/;
const SHADOW_NAME = /^[$a-zA-Z0-9:_-]+$/;
/** Names AWS reserves under `$` (Software Package Catalog); any other `$` name is refused (unverified). */
const RESERVED_SHADOW_NAMES: ReadonlySet<string> = new Set(["$package"]);

const invalid = (message: string) => new ServiceError("InvalidRequest", message);

/** Length and pattern only (topic parsing uses this; validateShadowName also applies the reserved-name rule). */
export const isThingName = (name: string): boolean => name.length <= SHADOW_LIMITS.thingNameMax && THING_NAME.test(name);
export const isShadowNameSyntax = (name: string): boolean => name.length <= SHADOW_LIMITS.shadowNameMax && SHADOW_NAME.test(name);

export function validateThingName(name: string): void {
  if (name.length === 0) throw invalid(MSG.thingNameMissing);
  if (name.length > SHADOW_LIMITS.thingNameMax) throw invalid(MSG.thingNameTooLong);
  if (!THING_NAME.test(name)) throw invalid(MSG.thingNamePattern);
}

export function validateShadowName(name: string): void {
  if (name.length === 0) throw invalid(MSG.shadowNameMissing);
  if (name.length > SHADOW_LIMITS.shadowNameMax) throw invalid(MSG.shadowNameTooLong);
  if (!SHADOW_NAME.test(name)) throw invalid(MSG.shadowNamePattern);
  if (name.startsWith("$") && !RESERVED_SHADOW_NAMES.has(name)) throw invalid(MSG.shadowNameReserved);
}
