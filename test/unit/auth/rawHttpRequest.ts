import type { SignedRequest } from "../../../src/auth";

/**
 * Turns a test-suite request file (`GET /path?query HTTP/1.1`, `Name:value` lines, blank line,
 * body) into the SignedRequest the edge would hand to the verifier. Repeated header lines are
 * joined with "," (the canonical join; see test/fixtures/sigv4/README.md).
 */
export function parseRawHttpRequest(text: string): SignedRequest {
  const blank = text.indexOf("\n\n");
  const head = blank === -1 ? text : text.slice(0, blank);
  const body = blank === -1 ? "" : text.slice(blank + 2);
  const [requestLine = "", ...headerLines] = head.split("\n");
  const match = /^(\S+) (.*) HTTP\/1\.1$/.exec(requestLine);
  if (!match) throw new Error(`not a request line: ${requestLine}`);
  const [, method = "", target = ""] = match;
  const q = target.indexOf("?");

  const values = new Map<string, string[]>();
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    values.set(name, [...(values.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const headers = new Headers();
  for (const [name, list] of values) headers.set(name, list.join(","));

  return {
    method,
    rawPath: q === -1 ? target : target.slice(0, q),
    rawQuery: q === -1 ? "" : target.slice(q + 1),
    headers,
    body: new TextEncoder().encode(body),
  };
}
