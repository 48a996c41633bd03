/** A request as the edge received it, before any decoding. */
export interface SignedRequest {
  method: string;
  /** Path exactly as received, still percent-encoded (`/topics/a%2Fb`). */
  rawPath: string;
  /** Text after `?`, may be ''. */
  rawQuery: string;
  headers: Headers;
  body: Uint8Array;
}

/** What the server knows about an access key. */
export interface Credential {
  secretAccessKey: string;
  principal: string;
}

export interface VerifyOptions {
  now: Date;
  /** The server's configured region; a scope naming another region is refused (spec auth.md §1). */
  region: string;
  /** Accepted credential-scope services, e.g. ['iotdata', 'iotdevicegateway'] or ['iot', 'execute-api']. */
  services: readonly string[];
  lookup(accessKeyId: string): Promise<Credential | undefined> | Credential | undefined;
}

export interface Authenticated {
  accessKeyId: string;
  principal: string;
}
