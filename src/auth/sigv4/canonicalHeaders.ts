/**
 * Canonical headers block: for each name listed in SignedHeaders (lower-cased), `name:value\n`,
 * the value trimmed with inner whitespace runs collapsed to one space. The client's list order is
 * kept (AWS signers emit it sorted); the signed-headers line of the canonical request is the same
 * list joined with ";".
 *
 * A header the client sent twice reaches us joined by ", " (Fetch `Headers` semantics), while the
 * signer joined the values with ","; SDKs never sign a repeated header, so that case is not undone.
 */
export function canonicalHeaders(headers: Headers, signedHeaders: readonly string[]): string {
  let block = "";
  for (const name of signedHeaders) {
    const value = headers.get(name) ?? "";
    block += `${name}:${value.trim().replace(/\s+/g, " ")}\n`;
  }
  return block;
}

/** Parses a SignedHeaders value (`host;x-amz-date`) into lower-case names; undefined if malformed. */
export function parseSignedHeaders(value: string): string[] | undefined {
  if (value === "") return undefined;
  const names = value.split(";").map((n) => n.toLowerCase());
  return names.every((n) => /^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(n)) ? names : undefined;
}
