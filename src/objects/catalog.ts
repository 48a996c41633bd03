import { DurableObject } from "cloudflare:workers";

/** The account-wide control-plane catalog: streams and the software package catalog (one object, by name "catalog"). */
export class CatalogObject extends DurableObject<Env> {}
