import type { JsonObject } from "./json";

/** The stored sections of a shadow; an absent member means the section does not exist. */
export interface ShadowSections {
  desired?: JsonObject;
  reported?: JsonObject;
}

/** What the storage layer persists per shadow. `delta` is never stored: it is derived on read. */
export interface StoredShadow {
  state: ShadowSections;
  metadata: ShadowSections;
  version: number;
}
