import { SCOPE_TERMINATOR } from "./constants";

/** `<access key>/<yyyymmdd>/<region>/<service>/aws4_request`, split. */
export interface ParsedCredential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
}

export function parseCredential(value: string): ParsedCredential | undefined {
  const parts = value.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) return undefined;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

/** The scope line of the string to sign (the credential without the access key). */
export function credentialScope(c: Pick<ParsedCredential, "date" | "region" | "service">): string {
  return `${c.date}/${c.region}/${c.service}/${SCOPE_TERMINATOR}`;
}
