import { ServiceError } from "../../domain/errors";
import { formatAmzDate } from "./amzDate";

/**
 * Every authentication refusal, in one place. All are 403 ForbiddenException-style ("Forbidden").
 * Wording follows what AWS endpoints answer where it is known (API Gateway-fronted services and
 * IoT answer the same SigV4 messages); none of them carries the secret or the expected signature.
 */
export const authErrors = {
  missingToken: () => forbidden("Missing Authentication Token"),

  malformedAuthorization: (missing: readonly string[]) =>
    forbidden(
      missing.length > 0
        ? missing.map((p) => `Authorization header requires '${p}' parameter.`).join(" ")
        : `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`,
    ),

  unsupportedAlgorithm: (algorithm: string) => forbidden(`Unsupported signing algorithm '${algorithm}'; only 'AWS4-HMAC-SHA256' is accepted.`),

  malformedPresignedQuery: () =>
    forbidden(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " +
        "X-Amz-Signature, X-Amz-Date and X-Amz-SignedHeaders parameters.",
    ),

  malformedCredential: () => forbidden("Credential must have the form '<access key>/<yyyymmdd>/<region>/<service>/aws4_request'."),

  wrongTerminator: (terminator: string) => forbidden(`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`),

  // aws/aws-sdk-ruby#1052 (iot-data endpoint): exact AWS IoT message.
  wrongRegion: (region: string) => forbidden(`Credential should be scoped to a valid region, not '${region}'.`),

  wrongService: (expected: string) => forbidden(`Credential should be scoped to correct service: '${expected}'.`),

  missingDate: () => forbidden("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."),

  malformedDate: (text: string) => forbidden(`Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`),

  scopeDateMismatch: (scopeDate: string, amzDate: string) =>
    forbidden(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    ),

  hostNotSigned: () => forbidden("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),

  signatureExpired: (amzDate: string, now: number, skewMs: number) =>
    forbidden(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(now - skewMs))} ` +
        `(${formatAmzDate(new Date(now))} - ${skewMs / 60_000} min.)`,
    ),

  signatureNotYetCurrent: (amzDate: string, now: number, skewMs: number) =>
    forbidden(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(now + skewMs))} ` +
        `(${formatAmzDate(new Date(now))} + ${skewMs / 60_000} min.)`,
    ),

  // S3's wording for an out-of-range X-Amz-Expires and for a pre-signed URL past its expiry.
  malformedExpires: () => forbidden("X-Amz-Expires must be a number of seconds between 1 and 604800."),
  presignedUrlExpired: () => forbidden("Request has expired"),

  contentSha256Mismatch: () => forbidden("The provided 'x-amz-content-sha256' header does not match what was computed."),

  unknownAccessKey: () => forbidden("The security token included in the request is invalid."),

  signatureMismatch: () =>
    forbidden(
      "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ),
};

function forbidden(message: string): ServiceError {
  return new ServiceError("Forbidden", message);
}
