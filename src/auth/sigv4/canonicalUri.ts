import { uriEscape } from "./uriEncoding";

/**
 * Canonical URI for every service except S3: remove empty and dot segments the way the signers do
 * (@smithy/signature-v4 `getCanonicalPath`, botocore `remove_dot_segments`), then percent-encode
 * each remaining segment of the path *as it was sent*. The SDK serializer has already encoded the
 * labels, so a topic `a/b` travels as `/topics/a%2Fb` and is canonicalized as `/topics/a%252Fb`
 * ("double encoding", spec auth.md §2). `rawPath` must therefore be the undecoded request path.
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const leading = rawPath.startsWith("/") ? "/" : "";
  const trailing = segments.length > 0 && rawPath.endsWith("/") ? "/" : "";
  const path = `${leading}${segments.map(uriEscape).join("/")}${trailing}`;
  return path === "" ? "/" : path;
}
