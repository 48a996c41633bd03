import type { Context } from "hono";
import type { Principal } from "../auth/credentials";

export type AppEnv = { Bindings: Env; Variables: { principal: Principal; body: Uint8Array } };
export type AppContext = Context<AppEnv>;

/** The request body as bytes, as the signature check read it (bounded: app/body.ts). */
export async function bodyBytes(c: AppContext): Promise<Uint8Array> {
  return c.get("body");
}

export function jsonText(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": "application/json" } });
}
