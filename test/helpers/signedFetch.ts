import { signRequest } from "../../src/auth";

export interface SignedFetchOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  service?: string;
  date?: Date;
}

/**
 * Signs a request with SigV4 (Authorization header, as the SDKs send it) and hands it to `send`.
 * Used where a test speaks raw HTTP: inside workerd (`exports.default.fetch`) and for routes the SDK cannot reach.
 */
export async function signedRequest(
  url: string,
  init: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
  options: SignedFetchOptions = {},
): Promise<Request> {
  const parsed = new URL(url);
  const method = init.method ?? "GET";
  const body = typeof init.body === "string" ? new TextEncoder().encode(init.body) : init.body;
  const { headers } = await signRequest(
    {
      method,
      rawPath: parsed.pathname,
      rawQuery: parsed.search.slice(1),
      headers: { host: parsed.host, ...init.headers },
      ...(body ? { body } : {}),
    },
    {
      credentials: { accessKeyId: options.accessKeyId ?? "test", secretAccessKey: options.secretAccessKey ?? "test" },
      region: options.region ?? "us-east-1",
      service: options.service ?? "iotdata",
      date: options.date ?? new Date(),
    },
  );
  headers.delete("host");
  return new Request(url, { method, headers, ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}) });
}
