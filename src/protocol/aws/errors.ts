import { DATA_PLANE_STATUS, type ErrorKind, ServiceError } from "../../domain/errors";

/** Which AWS API renders the error: the status codes differ (control-plane.md §1). */
export type Plane = "data" | "control";

/** Exception name per kind, as the Smithy models name them. */
const EXCEPTION_NAME: Readonly<Record<ErrorKind, string>> = {
  InvalidRequest: "InvalidRequestException",
  Validation: "ValidationException",
  Unauthorized: "UnauthorizedException",
  Forbidden: "ForbiddenException",
  ResourceNotFound: "ResourceNotFoundException",
  MethodNotAllowed: "MethodNotAllowedException",
  Conflict: "ConflictException",
  ResourceAlreadyExists: "ResourceAlreadyExistsException",
  DeleteConflict: "DeleteConflictException",
  RequestEntityTooLarge: "RequestEntityTooLargeException",
  UnsupportedDocumentEncoding: "UnsupportedDocumentEncodingException",
  Throttling: "ThrottlingException",
  ServiceQuotaExceeded: "ServiceQuotaExceededException",
  LimitExceeded: "LimitExceededException",
  InternalFailure: "InternalFailureException",
  ServiceUnavailable: "ServiceUnavailableException",
  GatewayTimeout: "GatewayTimeoutException",
  TrimmedData: "TrimmedDataAccessException",
};

/** Control-plane (iot) statuses that differ from the data plane (Smithy model iot-2015-05-28). */
const CONTROL_PLANE_OVERRIDES: Partial<Record<ErrorKind, number>> = {
  Throttling: 400,
};

export const exceptionName = (kind: ErrorKind): string => EXCEPTION_NAME[kind];

export function statusOf(kind: ErrorKind, plane: Plane): number {
  return (plane === "control" ? CONTROL_PLANE_OVERRIDES[kind] : undefined) ?? DATA_PLANE_STATUS[kind];
}

/**
 * restJson1 error: `x-amzn-ErrorType` header and a body with only `message` (plus modelled extra members).
 * No numeric `code` in the body: some SDK builds read body `code` before the header (spec pitfall 3).
 */
export function errorResponse(error: ServiceError, plane: Plane): Response {
  const body: Record<string, string> = { message: error.message, ...error.extra };
  return new Response(JSON.stringify(body), {
    status: statusOf(error.kind, plane),
    headers: {
      "content-type": "application/json",
      "x-amzn-errortype": exceptionName(error.kind),
      // The JS SDK corrects its clock skew from the server's Date header.
      date: new Date().toUTCString(),
    },
  });
}

/** Anything that is not a ServiceError is an internal failure; its details stay in the log, not the response. */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  console.error("internal failure", error);
  return new ServiceError("InternalFailure", "Internal service failure");
}
