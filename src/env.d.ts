// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface SecretBindings {
  /** JSON credentials and policies (see README "Credentials"). Absent ⇒ every request is refused. */
  IOT_CREDENTIALS?: string;
  /** Key for tamper-evident pagination tokens; falls back to IOT_CREDENTIALS. */
  PAGE_TOKEN_SECRET?: string;
  /** Lowest MQTT keep-alive accepted, in seconds (AWS: 30). Only tests lower it. */
  MQTT_KEEPALIVE_MIN_SECONDS?: string;
  /** Publishes per second per MQTT connection (AWS: 100). Only the benchmark raises it, to measure the broker itself. */
  MQTT_PUBLISHES_PER_SECOND?: string;
  /** "on": count what each operation costs and serve the counts at /_bench/cost (`npm run bench` only; src/metering). */
  COST_METER?: string;
  /**
   * Longest a persistent MQTT session outlives its connection, in seconds: AWS's default 1 h (3600) unless set, at most
   * 7 days (604800) — AWS's "Persistent session expiry period", which an account may raise.
   */
  MQTT_SESSION_EXPIRY_MAX_SECONDS?: string;
}
interface Env extends SecretBindings {}
declare namespace Cloudflare {
  interface Env extends SecretBindings {}
}
