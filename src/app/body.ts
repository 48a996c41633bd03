import { ServiceError } from "../domain/errors";
import { MESSAGE_LIMITS } from "../domain/publish";

/**
 * The largest body any operation here accepts: a Publish payload (128 KB, AWS IoT's message size limit). Shadow
 * documents (8 KB of state) and control-plane inputs are far smaller.
 */
export const MAX_REQUEST_BODY_BYTES = MESSAGE_LIMITS.maxPayloadBytes;

const tooLarge = () => new ServiceError("RequestEntityTooLarge", `The request body exceeds the maximum of ${MAX_REQUEST_BODY_BYTES} bytes`);

/**
 * Reads a request body up to `max` bytes. A larger body is refused (413 RequestEntityTooLargeException) as soon as
 * it is known to be larger — from Content-Length before reading anything, or while streaming — without buffering
 * the rest, and before any of it is hashed for the signature.
 */
export async function readBoundedBody(request: Request, max = MAX_REQUEST_BODY_BYTES): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
