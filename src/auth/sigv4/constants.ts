/** The only SigV4 algorithm AWS IoT accepts (SigV4a is not used by any IoT client). */
export const ALGORITHM = "AWS4-HMAC-SHA256";
/** Last element of every credential scope. */
export const SCOPE_TERMINATOR = "aws4_request";
/** SHA-256 of the empty string: the payload hash of every body-less request and of /mqtt URLs. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/**
 * "In most cases, a request must reach AWS within five minutes of the time stamp in the request"
 * (IAM User Guide, Signature Version 4, "Protect against reuse of the signed portions of the request").
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Upper bound of X-Amz-Expires on AWS pre-signed URLs (seven days, in seconds). */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604_800;

export const AMZ_DATE_HEADER = "x-amz-date";
export const CONTENT_SHA256_HEADER = "x-amz-content-sha256";
export const SECURITY_TOKEN_HEADER = "x-amz-security-token";

export const QUERY_ALGORITHM = "X-Amz-Algorithm";
export const QUERY_CREDENTIAL = "X-Amz-Credential";
export const QUERY_DATE = "X-Amz-Date";
export const QUERY_EXPIRES = "X-Amz-Expires";
export const QUERY_SIGNED_HEADERS = "X-Amz-SignedHeaders";
export const QUERY_SIGNATURE = "X-Amz-Signature";
export const QUERY_SECURITY_TOKEN = "X-Amz-Security-Token";
