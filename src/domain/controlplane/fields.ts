/**
 * Field checks shared by the control-plane inputs (streams and the software package catalog). Each family raises
 * its own modelled validation error: `InvalidRequestException` for the stream operations, `ValidationException`
 * for the package operations (Smithy model iot-2015-05-28; control-plane.md §1). Messages follow the AWS wording
 * "Value at 'x' failed to satisfy constraint: Member must ...", without echoing the value, because several of
 * these members (description, attributes, recipe) are `@sensitive`.
 */
import { ServiceError } from "../errors";

export type ValidationKind = "InvalidRequest" | "Validation";

export interface S3Location {
  bucket: string;
  key: string;
  version?: string;
}

/** `^[^\p{C}]+$` in the model: no control, format, surrogate, private-use or unassigned characters. */
const HAS_CONTROL_CHARACTER = /\p{C}/u;
/** TagKey pattern [MI]. */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tag key and value lengths [MI]; at most 50 tags per resource (developer guide "Tagging your AWS IoT resources"). */
export const TAG_LIMITS = { keyMaxLength: 128, valueMaxLength: 256, maxTags: 50 } as const;

export interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** How the pattern is shown in the message (defaults to its source). */
  patternText?: string;
  /** Reject characters of Unicode category C (the model's `^[^\p{C}]+$`). */
  noControlCharacters?: boolean;
}

/** Smithy `@length` on strings counts Unicode code points, not UTF-16 units. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * The object without its undefined members, so records and outputs carry only the members that are present
 * (AWS omits absent members; tests compare exact shapes).
 */
export function omitUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** The validation checks of one operation family, all raising that family's error kind. */
export class FieldChecker {
  constructor(readonly kind: ValidationKind) {}

  fail(message: string): never {
    throw new ServiceError(this.kind, message);
  }

  constraint(field: string, rule: string): never {
    this.fail(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must ${rule}`);
  }

  /** A JSON request body: absent (empty body) reads as no members. */
  body(value: unknown): Record<string, unknown> {
    if (value === undefined || value === null) return {};
    return this.object(value, "body");
  }

  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.constraint(field, "be a structure");
    return value as Record<string, unknown>;
  }

  string(value: unknown, field: string, rule: StringRule = {}): string {
    if (typeof value !== "string") this.constraint(field, "be a string");
    const length = codePointLength(value);
    if (rule.min !== undefined && length < rule.min) {
      this.constraint(field, `have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && length > rule.max) {
      this.constraint(field, `have length less than or equal to ${rule.max}`);
    }
    if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.constraint(field, `satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`);
    }
    if (rule.noControlCharacters === true && HAS_CONTROL_CHARACTER.test(value)) {
      this.constraint(field, "not contain control or other non-printable characters");
    }
    return value;
  }

  optionalString(value: unknown, field: string, rule: StringRule = {}): string | undefined {
    return this.optional(value, (present) => this.string(present, field, rule));
  }

  /** Parses a member that may be absent; JSON null counts as absent. */
  optional<T>(value: unknown, parse: (present: unknown) => T): T | undefined {
    return value === undefined || value === null ? undefined : parse(value);
  }

  integer(value: unknown, field: string, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value)) this.constraint(field, "be an integer");
    if (value < min) this.constraint(field, `have value greater than or equal to ${min}`);
    if (value > max) this.constraint(field, `have value less than or equal to ${max}`);
    return value;
  }

  optionalBoolean(value: unknown, field: string): boolean | undefined {
    return this.optional(value, (present) => {
      if (typeof present !== "boolean") this.constraint(field, "be a boolean");
      return present;
    });
  }

  array(value: unknown, field: string, min: number, max: number): unknown[] {
    if (!Array.isArray(value)) this.constraint(field, "be a list");
    if (value.length < min) this.constraint(field, `have length greater than or equal to ${min}`);
    if (value.length > max) this.constraint(field, `have length less than or equal to ${max}`);
    return value;
  }

  /** An optional integer query parameter such as `maxResults`. */
  queryInteger(text: string | undefined, field: string, min: number, max: number): number | undefined {
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text)) this.constraint(field, "be an integer");
    return this.integer(Number(text), field, min, max);
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      this.constraint(field, `satisfy enum value set: [${allowed.join(", ")}]`);
    }
    return value as T;
  }

  /**
   * `S3Location` {bucket (min 1), key (min 1), version?} [MI]. The model leaves bucket and key optional; both are
   * required here because the file bytes are read from that location.
   */
  s3Location(value: unknown, field: string): S3Location {
    const location = this.object(value, field);
    const bucket = this.string(location.bucket, `${field}.bucket`, { min: 1 });
    const key = this.string(location.key, `${field}.key`, { min: 1 });
    const version = this.optionalString(location.version, `${field}.version`);
    return version === undefined ? { bucket, key } : { bucket, key, version };
  }

  /** roleArn: 20–2048 characters [MI]. */
  roleArn(value: unknown, field: string): string {
    return this.string(value, field, { min: 20, max: 2048 });
  }

  tagKey(value: unknown, field: string): string {
    return this.string(value, field, {
      min: 1,
      max: TAG_LIMITS.keyMaxLength,
      pattern: TAG_KEY,
      patternText: "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)",
    });
  }

  tagValue(value: unknown, field: string): string {
    return this.string(value, field, { min: 0, max: TAG_LIMITS.valueMaxLength });
  }
}

export const streamFields = new FieldChecker("InvalidRequest");
export const packageFields = new FieldChecker("Validation");
