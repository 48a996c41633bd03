import { SCOPE_TERMINATOR } from "./constants";
import { hmac, importHmacKey } from "./crypto";

/**
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
 * Every request is verified, and a key only changes with the secret, the day, the region or the
 * service, so the last few derived keys are kept in a small LRU map.
 */
const CACHE_LIMIT = 128;
const cache = new Map<string, Promise<CryptoKey>>();

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Promise<CryptoKey> {
  const cacheKey = JSON.stringify([secretAccessKey, date, region, service]);
  const hit = cache.get(cacheKey);
  if (hit) {
    cache.delete(cacheKey); // re-insert: Map order is recency order
    cache.set(cacheKey, hit);
    return hit;
  }
  const derived = deriveSigningKey(secretAccessKey, date, region, service);
  // A failed derivation must not stay cached.
  derived.catch(() => cache.delete(cacheKey));
  cache.set(cacheKey, derived);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return derived;
}

async function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Promise<CryptoKey> {
  let key = await importHmacKey(`AWS4${secretAccessKey}`);
  for (const part of [date, region, service, SCOPE_TERMINATOR]) {
    key = await importHmacKey(await hmac(key, part));
  }
  return key;
}
