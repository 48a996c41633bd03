import { ServiceError } from "../domain/errors";
import type { Principal } from "./credentials";
import { evaluatePolicies, type PolicyVariables } from "./policy";

export function isAllowed(principal: Principal, action: string, resource: string, vars?: PolicyVariables): boolean {
  return evaluatePolicies(principal.policies, { action, resource }, vars) === "Allow";
}

/** Policy check: anything not explicitly allowed is refused with 403 ForbiddenException and changes nothing. */
export function authorize(principal: Principal, action: string, resource: string, vars?: PolicyVariables): void {
  if (!isAllowed(principal, action, resource, vars)) throw new ServiceError("Forbidden", "Forbidden");
}
