import type { MiddlewareHandler } from "hono";
import { verifyHeaderSignature, verifyPresignedUrl } from "../../auth";
import { authorize } from "../../auth/authorize";
import type { Principal } from "../../auth/credentials";
import { configuredCredentials, principalOf } from "../../config/credentials";
import { readBoundedBody } from "../body";
import type { AppContext, AppEnv } from "../context";

/** Credential-scope services each plane accepts (spec auth.md §1, pitfalls 1 and 11). */
export const SIGNING_SERVICES = {
  data: ["iotdata", "iotdevicegateway"],
  control: ["iot", "execute-api"],
} as const;

function lookup(env: Env) {
  const entries = configuredCredentials(env);
  return (accessKeyId: string) => {
    const entry = entries.get(accessKeyId);
    return entry && { secretAccessKey: entry.secretAccessKey, principal: entry.principal.name };
  };
}

/** The request's headers with `host` present: Workers derive the URL from Host, but in-process calls may lack the header. */
function headersWithHost(request: Request, url: URL): Headers {
  if (request.headers.has("host")) return request.headers;
  const headers = new Headers(request.headers);
  headers.set("host", url.host);
  return headers;
}

/** Verifies the SigV4 Authorization header of every API request and records the caller. */
export function authenticate(plane: keyof typeof SIGNING_SERVICES): MiddlewareHandler<AppEnv> {
  const services = SIGNING_SERVICES[plane];
  return async function authenticate(c, next) {
    const url = new URL(c.req.url);
    const body = await readBoundedBody(c.req.raw);
    c.set("body", body);
    const authenticated = await verifyHeaderSignature(
      {
        method: c.req.method,
        rawPath: url.pathname,
        rawQuery: url.search.slice(1),
        headers: headersWithHost(c.req.raw, url),
        // Bounded before it is hashed; the route reads these same bytes (bodyBytes).
        body,
      },
      { now: new Date(), region: c.env.REGION, services, lookup: lookup(c.env) },
    );
    c.set("principal", principalOf(c.env, authenticated.accessKeyId));
    await next();
  };
}

/** Verifies a pre-signed WebSocket URL (`/mqtt`), as AWS IoT does for MQTT over WebSocket. */
export async function authenticatePresigned(c: AppContext): Promise<Principal> {
  const url = new URL(c.req.url);
  const authenticated = await verifyPresignedUrl(
    { method: c.req.method, rawPath: url.pathname, rawQuery: url.search.slice(1), headers: headersWithHost(c.req.raw, url), body: new Uint8Array() },
    { now: new Date(), region: c.env.REGION, services: SIGNING_SERVICES.data, lookup: lookup(c.env) },
  );
  return principalOf(c.env, authenticated.accessKeyId);
}

export function requirePermission(c: AppContext, action: string, resource: string): void {
  authorize(c.get("principal"), action, resource);
}
