/**
 * Stable key → shard mapping (e.g. thing name → subscription-index shard). The hash must never change once
 * deployed: shard Durable Objects are named by index, so a different hash would strand their state.
 */
import { ServiceError } from "./errors";

/** Registry shards of MQTT client ids (objects/stubs.ts): touched once per CONNECT and once per session end. */
export const CLIENT_REGISTRY_SHARDS = 64;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MAX_SHARD_COUNT = 2 ** 32;

const encoder = new TextEncoder();

/** Stable 32-bit FNV-1a hash of the UTF-8 bytes → shard index in [0, shardCount). */
export function shardOf(key: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARD_COUNT) {
    throw new ServiceError("InternalFailure", `Shard count must be an integer from 1 to 2^32, got ${shardCount}`);
  }
  return fnv1a32(encoder.encode(key)) % shardCount;
}

function fnv1a32(bytes: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of bytes) {
    hash ^= byte;
    // Math.imul keeps the multiplication in 32 bits; `>>> 0` reads the result as unsigned.
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}
