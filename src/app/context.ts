import type { Context } from "hono";
import type { Principal } from "../auth/credentials";

export type AppEnv = { Bindings: Env; Variables: { principal: Principal } };
export type AppContext = Context<AppEnv>;

/** The request body as bytes (cached by Hono after the signature check read it). */
export async function bodyBytes(c: AppContext): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer());
}

export function jsonText(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": "application/json" } });
}
