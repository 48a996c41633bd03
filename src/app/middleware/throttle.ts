import type { MiddlewareHandler } from "hono";
import { ServiceError } from "../../domain/errors";
import type { AppEnv } from "../context";

/** Per-principal request rate, counted by Cloudflare's rate limiter binding (configured in wrangler.toml). */
export const throttlePrincipal: MiddlewareHandler<AppEnv> = async function throttlePrincipal(c, next) {
  const { success } = await c.env.PRINCIPAL_RATE_LIMITER.limit({ key: c.get("principal").name });
  if (!success) throw new ServiceError("Throttling", "Rate exceeded");
  await next();
};
