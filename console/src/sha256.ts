/**
 * SHA-256 and HMAC-SHA256 for the SigV4 signer (`@smithy/signature-v4` takes the hash as a constructor), from the
 * browser's Web Crypto: the same thing the AWS SDK uses in browsers. Web Crypto exists only in a secure context
 * (https, or http on localhost / 127.0.0.1): the sign-in view says so when it is missing.
 */
type SourceData = string | ArrayBuffer | ArrayBufferView;

const encoder = new TextEncoder();

function toBytes(data: SourceData): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
}

export const hasWebCrypto = (): boolean => typeof crypto !== "undefined" && crypto.subtle !== undefined;

export class WebCryptoSha256 {
  private chunks: Uint8Array<ArrayBuffer>[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: SourceData): void {
    this.chunks.push(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const data = new Uint8Array(this.chunks.reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const chunk of this.chunks) {
      data.set(chunk, offset);
      offset += chunk.byteLength;
    }
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    const key = await crypto.subtle.importKey("raw", toBytes(this.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
  }

  reset(): void {
    this.chunks = [];
  }
}
