import type { MiddlewareHandler } from "hono";
import { ServiceError } from "../../domain/errors";
import type { AppEnv } from "../context";

/** Per-principal request rate, counted by Cloudflare's rate limiter binding (configured in wrangler.toml). */
export const throttlePrincipal: MiddlewareHandler<AppEnv> = async function throttlePrincipal(c, next) {
  // A string var: the generated type narrows it to the literal in wrangler.toml.
  if ((c.env.PRINCIPAL_RATE_LIMIT as string) === "off") return next();
  const { success } = await c.env.PRINCIPAL_RATE_LIMITER.limit({ key: c.get("principal").name });
  if (!success) throw new ServiceError("Throttling", "Rate exceeded");
  await next();
};
