import type { Context } from "hono";

export type AppEnv = { Bindings: Env };
export type AppContext = Context<AppEnv>;

/** The request body as bytes. */
export async function bodyBytes(c: AppContext): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer());
}

export function jsonText(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": "application/json" } });
}
