/**
 * Buffers for encoded packets. V8 gives a typed array of more than 64 bytes its own off-heap
 * backing store, which costs about a microsecond, more than encoding the packet itself; so packets
 * up to 4 KiB are carved out of shared 8 KiB slabs instead (the same trade Node's Buffer pool makes).
 * A region is handed out once and never written again by the codec.
 *
 * Consequence for callers: an encoded packet is a view. Send or copy the view itself, never its
 * `.buffer` (which holds neighbouring packets too); and a small packet kept for a long time keeps
 * its 8 KiB slab alive, so `slice()` anything stored for long.
 */
const SLAB_SIZE = 8192;
const MAX_POOLED = SLAB_SIZE >>> 1;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/** A zero-filled view of `size` bytes that nothing else will write to. */
export function allocatePacket(size: number): Uint8Array {
  if (size > MAX_POOLED) return new Uint8Array(size);
  if (used + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const bytes = new Uint8Array(slab, used, size);
  used += size;
  return bytes;
}
