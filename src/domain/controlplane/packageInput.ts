/**
 * Inputs of the software package catalog operations (CreatePackage … UpdatePackageConfiguration), checked
 * against the Smithy model's constraints (iot-2015-05-28; control-plane.md §3). Every failure is
 * ValidationException, the package operations' modelled client error. Input rules that need no stored state
 * (such as `defaultVersionName` together with `unsetDefaultVersion`) live here too, so they are reported before
 * any lookup, as AWS validates input first.
 */
import { packageFields as fields, omitUndefined, type S3Location, TAG_LIMITS, utf8Length } from "./fields";

export const PACKAGE_VERSION_STATUSES = ["DRAFT", "PUBLISHED", "DEPRECATED"] as const;
export type PackageVersionStatus = (typeof PACKAGE_VERSION_STATUSES)[number];

export const PACKAGE_VERSION_ACTIONS = ["PUBLISH", "DEPRECATE"] as const;
export type PackageVersionAction = (typeof PACKAGE_VERSION_ACTIONS)[number];

export const PACKAGE_LIMITS = {
  packageNameMaxLength: 128,
  versionNameMaxLength: 64,
  descriptionMaxLength: 1024,
  /** "The combined size of all the attributes … is limited to 3KB" [seed]: UTF-8 bytes of keys + values. */
  attributesMaxBytes: 3072,
  recipeMaxLength: 3072,
  minTags: 1,
  maxListResults: 100,
} as const;

/** Artifacts and SBOMs are `{s3Location}` [MI]. */
export interface PackageVersionArtifact {
  s3Location: S3Location;
}

export interface CreatePackageInput {
  description?: string;
  tags?: Record<string, string>;
}

export interface UpdatePackageInput {
  description?: string;
  defaultVersionName?: string;
  unsetDefaultVersion?: boolean;
}

export interface CreatePackageVersionInput {
  description?: string;
  attributes?: Record<string, string>;
  artifact?: PackageVersionArtifact;
  recipe?: string;
  tags?: Record<string, string>;
}

export interface UpdatePackageVersionInput {
  description?: string;
  attributes?: Record<string, string>;
  artifact?: PackageVersionArtifact;
  action?: PackageVersionAction;
  recipe?: string;
}

export interface VersionUpdateByJobsConfig {
  enabled?: boolean;
  roleArn?: string;
}

export interface UpdatePackageConfigurationInput {
  versionUpdateByJobsConfig?: VersionUpdateByJobsConfig;
}

export interface ListPackagesQuery {
  maxResults?: number;
  nextToken?: string;
}

export interface ListPackageVersionsQuery extends ListPackagesQuery {
  status?: PackageVersionStatus;
}

// PackageName / VersionName [MI]. (The model writes `[a-zA-Z0-9-_.]`; in a JS class `9-_` would be a range.)
const NAME_RULE = { pattern: /^[a-zA-Z0-9_.-]+$/, patternText: "^[a-zA-Z0-9-_.]+$" };
const ATTRIBUTE_KEY = /^[a-zA-Z0-9:_-]+$/;
/** ClientToken `^\S{36,64}$` [MI]. */
const CLIENT_TOKEN = /^\S{36,64}$/u;

export function validatePackageName(name: string): void {
  fields.string(name, "packageName", { min: 1, max: PACKAGE_LIMITS.packageNameMaxLength, ...NAME_RULE });
}

export function validateVersionName(name: string, field = "versionName"): void {
  fields.string(name, field, { min: 1, max: PACKAGE_LIMITS.versionNameMaxLength, ...NAME_RULE });
}

/** The `clientToken` query parameter of every mutating package operation; absent is allowed. */
export function validateClientToken(token: string | undefined): void {
  if (token !== undefined) fields.string(token, "clientToken", { pattern: CLIENT_TOKEN, patternText: "^\\S{36,64}$" });
}

export function parseCreatePackageInput(body: unknown): CreatePackageInput {
  const members = fields.body(body);
  return omitUndefined({ description: parseDescription(members.description), tags: parseTags(members.tags) });
}

export function parseUpdatePackageInput(body: unknown): UpdatePackageInput {
  const members = fields.body(body);
  const description = parseDescription(members.description);
  const defaultVersionName = fields.optionalString(members.defaultVersionName, "defaultVersionName");
  if (defaultVersionName !== undefined) validateVersionName(defaultVersionName, "defaultVersionName");
  const unsetDefaultVersion = fields.optionalBoolean(members.unsetDefaultVersion, "unsetDefaultVersion");
  // UpdatePackage member docs [MI]: a default cannot be named and unset in one request.
  if (defaultVersionName !== undefined && unsetDefaultVersion === true) {
    fields.fail("defaultVersionName cannot be specified when unsetDefaultVersion is true");
  }
  return omitUndefined({ description, defaultVersionName, unsetDefaultVersion });
}

export function parseCreatePackageVersionInput(body: unknown): CreatePackageVersionInput {
  const members = fields.body(body);
  return omitUndefined({
    description: parseDescription(members.description),
    attributes: parseAttributes(members.attributes),
    artifact: parseArtifact(members.artifact),
    recipe: parseRecipe(members.recipe),
    tags: parseTags(members.tags),
  });
}

export function parseUpdatePackageVersionInput(body: unknown): UpdatePackageVersionInput {
  const members = fields.body(body);
  return omitUndefined({
    description: parseDescription(members.description),
    attributes: parseAttributes(members.attributes),
    artifact: parseArtifact(members.artifact),
    action: fields.optional(members.action, (action) => fields.oneOf(action, "action", PACKAGE_VERSION_ACTIONS)),
    recipe: parseRecipe(members.recipe),
  });
}

export function parseUpdatePackageConfigurationInput(body: unknown): UpdatePackageConfigurationInput {
  const field = "versionUpdateByJobsConfig";
  const versionUpdateByJobsConfig = fields.optional(fields.body(body)[field], (raw) => {
    const config = fields.object(raw, field);
    return omitUndefined({
      enabled: fields.optionalBoolean(config.enabled, `${field}.enabled`),
      roleArn: fields.optional(config.roleArn, (roleArn) => fields.roleArn(roleArn, `${field}.roleArn`)),
    });
  });
  return omitUndefined({ versionUpdateByJobsConfig });
}

/** ListPackages: `maxResults` 1–100, `nextToken` [MI]. */
export function parseListPackagesQuery(query: Readonly<Record<string, string | undefined>>): ListPackagesQuery {
  return omitUndefined({
    maxResults: fields.queryInteger(query.maxResults, "maxResults", 1, PACKAGE_LIMITS.maxListResults),
    nextToken: query.nextToken,
  });
}

/** ListPackageVersions: `status` filter plus the ListPackages paging parameters [MI]. */
export function parseListPackageVersionsQuery(query: Readonly<Record<string, string | undefined>>): ListPackageVersionsQuery {
  const status = fields.optional(query.status, (value) => fields.oneOf(value, "status", PACKAGE_VERSION_STATUSES));
  return omitUndefined({ ...parseListPackagesQuery(query), status });
}

/**
 * ResourceDescription: 0–1024, `^[^\p{C}]+$` [MI]. As for streams, the empty string passes the length
 * constraint and is accepted.
 */
function parseDescription(value: unknown): string | undefined {
  return fields.optionalString(value, "description", {
    max: PACKAGE_LIMITS.descriptionMaxLength,
    noControlCharacters: true,
  });
}

/** ResourceAttributes: keys `^[a-zA-Z0-9:_-]+$`, values `^[^\p{C}]+$` (min 1), ≤ 3 KB in all [MI], [seed]. */
function parseAttributes(value: unknown): Record<string, string> | undefined {
  return fields.optional(value, parseAttributeMap);
}

function parseAttributeMap(value: unknown): Record<string, string> {
  const map = fields.object(value, "attributes");
  let bytes = 0;
  const entries = Object.entries(map).map(([key, raw]): [string, string] => {
    fields.string(key, "attributes.key", { min: 1, pattern: ATTRIBUTE_KEY });
    const item = fields.string(raw, `attributes.${key}`, { min: 1, noControlCharacters: true });
    bytes += utf8Length(key) + utf8Length(item);
    return [key, item];
  });
  if (bytes > PACKAGE_LIMITS.attributesMaxBytes) {
    const limit = PACKAGE_LIMITS.attributesMaxBytes;
    fields.fail(`The combined size of all attributes must not exceed ${limit} bytes (got ${bytes})`);
  }
  // fromEntries defines own properties, so a key such as "__proto__" (allowed by the pattern) stays data.
  return Object.fromEntries(entries);
}

function parseArtifact(value: unknown): PackageVersionArtifact | undefined {
  return fields.optional(value, (present) => {
    const artifact = fields.object(present, "artifact");
    return { s3Location: fields.s3Location(artifact.s3Location, "artifact.s3Location") };
  });
}

/** PackageVersionRecipe: 0–3072 characters [MI]. */
function parseRecipe(value: unknown): string | undefined {
  return fields.optionalString(value, "recipe", { max: PACKAGE_LIMITS.recipeMaxLength });
}

/** TagMap: 1–50 entries of TagKey → TagValue [MI]. */
function parseTags(value: unknown): Record<string, string> | undefined {
  return fields.optional(value, parseTagMap);
}

function parseTagMap(value: unknown): Record<string, string> {
  const entries = Object.entries(fields.object(value, "tags"));
  if (entries.length < PACKAGE_LIMITS.minTags) {
    fields.constraint("tags", `have length greater than or equal to ${PACKAGE_LIMITS.minTags}`);
  }
  if (entries.length > TAG_LIMITS.maxTags) {
    fields.constraint("tags", `have length less than or equal to ${TAG_LIMITS.maxTags}`);
  }
  return Object.fromEntries(entries.map(([key, raw]) => [fields.tagKey(key, "tags.key"), fields.tagValue(raw, `tags.${key}`)]));
}
