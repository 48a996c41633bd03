export type { Authenticated, Credential, SignedRequest, VerifyOptions } from "./sigv4/types";
export { verifyHeaderSignature, verifyPresignedUrl } from "./sigv4/verify";
export {
  presignUrl,
  signRequest,
  type PresignOptions,
  type RequestToSign,
  type SignRequestOptions,
  type SigningCredentials,
  type SigningResult,
  type UrlToPresign,
} from "./sigv4/sign";
export {
  evaluatePolicies,
  validatePolicyDocument,
  type AuthzRequest,
  type PolicyDecision,
  type PolicyDocument,
  type PolicyStatement,
  type PolicyVariables,
} from "./policy";
export { iotArn, ANY_RESOURCE } from "./arn";
