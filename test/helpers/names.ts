let counter = 0;
/** A name no other test uses, valid as a thing, shadow or stream name. */
export function uniqueName(prefix = "t"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
