/**
 * The one error taxonomy of the project. Pure domain code throws `ServiceError` with a kind and an
 * AWS-style message; the protocol layer (HTTP for the data plane or the control plane, MQTT error
 * documents) decides how it is rendered. Status codes per plane live in protocol/aws/errors.ts,
 * except the data-plane table below, which the shadow MQTT error documents (`"code": 409`) also use.
 */
export type ErrorKind =
  | "InvalidRequest"
  | "Validation"
  | "Unauthorized"
  | "Forbidden"
  | "ResourceNotFound"
  | "MethodNotAllowed"
  | "Conflict"
  | "ResourceAlreadyExists"
  | "DeleteConflict"
  | "RequestEntityTooLarge"
  | "UnsupportedDocumentEncoding"
  | "Throttling"
  | "ServiceQuotaExceeded"
  | "LimitExceeded"
  | "InternalFailure"
  | "ServiceUnavailable"
  /** SendDirectMessage: no PUBACK within the timeout. */
  | "GatewayTimeout"
  /** This project's shadow history: the version asked for is no longer kept (see domain/shadow/history.ts). */
  | "TrimmedData";

export class ServiceError extends Error {
  override readonly name = "ServiceError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Extra members some control-plane errors carry in their body (e.g. resourceId, resourceArn). */
    readonly extra?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** HTTP status of each kind on the IoT data plane (Smithy model iot-data-plane; spec aws-iot-data-plane.md §3). */
export const DATA_PLANE_STATUS: Readonly<Record<ErrorKind, number>> = {
  InvalidRequest: 400,
  Validation: 400,
  Unauthorized: 401,
  Forbidden: 403,
  ResourceNotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  ResourceAlreadyExists: 409,
  DeleteConflict: 409,
  RequestEntityTooLarge: 413,
  UnsupportedDocumentEncoding: 415,
  Throttling: 429,
  ServiceQuotaExceeded: 402,
  LimitExceeded: 410,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
  // AWS's own name and status for reading past what a bounded history keeps (DynamoDB Streams GetRecords).
  TrimmedData: 400,
};

export const isServiceError = (e: unknown): e is ServiceError => e instanceof ServiceError;
