import { ServiceError } from "../../src/domain/errors";

/** The ServiceError `fn` throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error("expected a ServiceError");
}
