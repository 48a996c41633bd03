export { ANY_RESOURCE, iotArn } from "./arn";
export {
  type AuthzRequest,
  evaluatePolicies,
  type PolicyDecision,
  type PolicyDocument,
  type PolicyStatement,
  type PolicyVariables,
  validatePolicyDocument,
} from "./policy";
export {
  type PresignOptions,
  presignUrl,
  type RequestToSign,
  type SigningCredentials,
  type SigningResult,
  type SignRequestOptions,
  signRequest,
  type UrlToPresign,
} from "./sigv4/sign";
export type { Authenticated, Credential, SignedRequest, VerifyOptions } from "./sigv4/types";
export { verifyHeaderSignature, verifyPresignedUrl } from "./sigv4/verify";
