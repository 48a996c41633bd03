/**
 * The software package catalog: package and package-version records, the version lifecycle, the default-version
 * and delete rules, and the output shapes of the Smithy model (iot-2015-05-28).
 * Sources: control-plane.md §3; [seed] update_package_version ("Attributes can be updated only when the package
 * version is in a draft state"); [PKG] developer guide "Preparing to use Software Package Catalog" (lifecycle).
 *
 * Error kinds, chosen once for the whole module:
 * - ValidationException for rules about the request alone and for the delete rules (the only modelled client
 *   error of the delete operations).
 * - ConflictException when a well-formed request collides with the resource's current state: a lifecycle
 *   transition that does not exist, editing attributes/artifact/recipe outside DRAFT, naming a DRAFT version as
 *   the default, or a create on an existing name (*unverified*: AWS may use ValidationException for some).
 * - ResourceNotFoundException when UpdatePackage names a default version that does not exist.
 */

import { iotArn } from "../../auth/arn";
import { ServiceError } from "../errors";
import type { ArnContext } from "./arn";
import { omitUndefined } from "./fields";
import { type CreateRequestIdentity, type CreateResolution, resolveCreate } from "./idempotency";
import {
  type CreatePackageInput,
  type CreatePackageVersionInput,
  type PackageVersionAction,
  type PackageVersionArtifact,
  type PackageVersionStatus,
  type UpdatePackageConfigurationInput,
  type UpdatePackageInput,
  type UpdatePackageVersionInput,
  validatePackageName,
  validateVersionName,
} from "./packageInput";

export interface PackageRecord {
  packageName: string;
  packageArn: string;
  description?: string;
  defaultVersionName?: string;
  tags?: Record<string, string>;
  /** Epoch seconds. */
  creationDate: number;
  /** Epoch seconds. */
  lastModifiedDate: number;
  createRequest: CreateRequestIdentity;
}

export interface PackageVersionRecord {
  packageName: string;
  versionName: string;
  packageVersionArn: string;
  description?: string;
  attributes: Record<string, string>;
  artifact?: PackageVersionArtifact;
  recipe?: string;
  status: PackageVersionStatus;
  errorReason?: string;
  tags?: Record<string, string>;
  /** Epoch seconds. */
  creationDate: number;
  /** Epoch seconds. */
  lastModifiedDate: number;
  createRequest: CreateRequestIdentity;
}

/** The account-wide package configuration (GetPackageConfiguration / UpdatePackageConfiguration). */
export interface PackageConfiguration {
  versionUpdateByJobsConfig: { enabled: boolean; roleArn?: string };
}

export const DEFAULT_PACKAGE_CONFIGURATION: PackageConfiguration = { versionUpdateByJobsConfig: { enabled: false } };

/**
 * The lifecycle [PKG]: PUBLISH moves DRAFT or DEPRECATED to PUBLISHED; DEPRECATE moves PUBLISHED to DEPRECATED.
 * An action that names the current state is accepted and changes nothing (*unverified*; chosen so retries are
 * harmless). DRAFT → DEPRECATED is not a documented transition and is absent.
 */
type Transitions = Readonly<Record<PackageVersionAction, Partial<Record<PackageVersionStatus, PackageVersionStatus>>>>;
const TRANSITIONS: Transitions = {
  PUBLISH: { DRAFT: "PUBLISHED", PUBLISHED: "PUBLISHED", DEPRECATED: "PUBLISHED" },
  DEPRECATE: { PUBLISHED: "DEPRECATED", DEPRECATED: "DEPRECATED" },
};

export function packageArn(context: ArnContext, packageName: string): string {
  return iotArn.package(context.region, context.account, packageName);
}

/** `arn:aws:iot:{region}:{account}:package/{packageName}/version/{versionName}` (service authorization reference). */
export function packageVersionArn(pkg: PackageRecord, versionName: string): string {
  return `${pkg.packageArn}/version/${versionName}`;
}

export function createPackage(
  packageName: string,
  input: CreatePackageInput,
  now: number,
  arn: ArnContext,
  createRequest: CreateRequestIdentity,
): PackageRecord {
  validatePackageName(packageName);
  return omitUndefined({
    packageName,
    packageArn: packageArn(arn, packageName),
    description: input.description,
    tags: input.tags,
    creationDate: now,
    lastModifiedDate: now,
    createRequest,
  });
}

/** A new version always starts as DRAFT [PKG]. */
export function createPackageVersion(
  pkg: PackageRecord,
  versionName: string,
  input: CreatePackageVersionInput,
  now: number,
  createRequest: CreateRequestIdentity,
): PackageVersionRecord {
  validateVersionName(versionName);
  return omitUndefined<PackageVersionRecord>({
    packageName: pkg.packageName,
    versionName,
    packageVersionArn: packageVersionArn(pkg, versionName),
    description: input.description,
    attributes: input.attributes ?? {},
    artifact: input.artifact,
    recipe: input.recipe,
    status: "DRAFT",
    tags: input.tags,
    creationDate: now,
    lastModifiedDate: now,
    createRequest,
  });
}

/** CreatePackage on an existing name: a faithful retry returns the original, anything else is a Conflict. */
export function resolvePackageCreate(existing: PackageRecord | undefined, request: CreateRequestIdentity): CreateResolution<PackageRecord> {
  return resolveCreate(existing, request, (pkg) => ({
    id: pkg.packageName,
    description: `Package ${pkg.packageName}`,
  }));
}

export function resolvePackageVersionCreate(
  existing: PackageVersionRecord | undefined,
  request: CreateRequestIdentity,
): CreateResolution<PackageVersionRecord> {
  return resolveCreate(existing, request, (version) => ({
    id: version.packageVersionArn,
    description: `Version ${version.versionName} of package ${version.packageName}`,
  }));
}

/**
 * CreatePackageVersion under a package that does not exist. ResourceNotFound is not modelled for that operation,
 * so it is a ValidationException (*unverified*, control-plane.md §3).
 */
export function packageMissingForVersion(packageName: string): ServiceError {
  return new ServiceError("Validation", `Package ${packageName} does not exist`);
}

export function packageNotFound(packageName: string): ServiceError {
  return new ServiceError("ResourceNotFound", `Package ${packageName} does not exist`);
}

export function packageVersionNotFound(packageName: string, versionName: string): ServiceError {
  return new ServiceError("ResourceNotFound", `Version ${versionName} of package ${packageName} does not exist`);
}

/** The status `action` leads to from `status`, or undefined when that transition does not exist. */
export function nextStatus(status: PackageVersionStatus, action: PackageVersionAction): PackageVersionStatus | undefined {
  return TRANSITIONS[action][status];
}

/**
 * UpdatePackageVersion. Edits are judged against the status the version has when the request arrives, so a DRAFT
 * can get its final attributes and be published in one call. Provided attributes replace the whole map
 * (*unverified*). Description is editable in every status [PKG].
 */
export function applyPackageVersionUpdate(version: PackageVersionRecord, input: UpdatePackageVersionInput, now: number): PackageVersionRecord {
  if (version.status !== "DRAFT") {
    const frozen = (["attributes", "artifact", "recipe"] as const).filter((member) => input[member] !== undefined);
    if (frozen.length > 0) {
      // [seed] "Attributes can be updated only when the package version is in a draft state."
      throw new ServiceError(
        "Conflict",
        `Cannot update ${frozen.join(", ")} of version ${version.versionName} of package ${version.packageName}: ` +
          `the version is ${version.status}, and only DRAFT versions can be changed`,
        { resourceId: version.packageVersionArn },
      );
    }
  }
  let status = version.status;
  if (input.action !== undefined) {
    const next = nextStatus(version.status, input.action);
    if (next === undefined) {
      throw new ServiceError(
        "Conflict",
        `Cannot ${input.action} version ${version.versionName} of package ${version.packageName}: ` +
          `there is no such transition from ${version.status}`,
        { resourceId: version.packageVersionArn },
      );
    }
    status = next;
  }
  const { action: _applied, ...edits } = input;
  return { ...version, ...omitUndefined(edits), status, lastModifiedDate: now };
}

/**
 * UpdatePackage. A default version must exist and be PUBLISHED or DEPRECATED [PKG], [MI]; `unsetDefaultVersion`
 * clears it. (Naming a default and unsetting it in one request is refused by parseUpdatePackageInput.)
 */
export function applyPackageUpdate(
  pkg: PackageRecord,
  input: UpdatePackageInput,
  findVersion: (versionName: string) => PackageVersionRecord | undefined,
  now: number,
): PackageRecord {
  if (input.defaultVersionName !== undefined) {
    const version = findVersion(input.defaultVersionName);
    if (version === undefined) throw packageVersionNotFound(pkg.packageName, input.defaultVersionName);
    if (version.status === "DRAFT") {
      throw new ServiceError(
        "Conflict",
        `Version ${version.versionName} of package ${pkg.packageName} is DRAFT; only a PUBLISHED or DEPRECATED version can be the default`,
        { resourceId: version.packageVersionArn },
      );
    }
  }
  const { defaultVersionName: previous, ...rest } = pkg;
  return omitUndefined({
    ...rest,
    description: input.description ?? pkg.description,
    defaultVersionName: input.unsetDefaultVersion === true ? undefined : (input.defaultVersionName ?? previous),
    lastModifiedDate: now,
  });
}

/** DeletePackage (API): every version must be deleted first [MI] doc. */
export function assertPackageDeletable(pkg: PackageRecord, versionCount: number): void {
  if (versionCount > 0) {
    throw new ServiceError(
      "Validation",
      `Package ${pkg.packageName} still has ${versionCount} version(s); delete all of its versions before deleting the package`,
    );
  }
}

/** DeletePackageVersion: the default version must first be replaced or unset [MI] doc, [PKG]. */
export function assertPackageVersionDeletable(pkg: PackageRecord | undefined, versionName: string): void {
  if (pkg?.defaultVersionName === versionName) {
    throw new ServiceError(
      "Validation",
      `Version ${versionName} is the default version of package ${pkg.packageName}; ` +
        "set another default version or unset the default before deleting it",
    );
  }
}

export function applyPackageConfigurationUpdate(config: PackageConfiguration, input: UpdatePackageConfigurationInput): PackageConfiguration {
  const update = input.versionUpdateByJobsConfig;
  if (update === undefined) return config;
  return { versionUpdateByJobsConfig: { ...config.versionUpdateByJobsConfig, ...omitUndefined(update) } };
}

// ---- Output shapes (members exactly as the model's *Response structures; absent members are omitted) ----
// UpdatePackage, UpdatePackageVersion, DeletePackage, DeletePackageVersion and UpdatePackageConfiguration return {}.

export interface CreatePackageOutput {
  packageName: string;
  packageArn: string;
  description?: string;
}

export interface GetPackageOutput extends CreatePackageOutput {
  defaultVersionName?: string;
  creationDate: number;
  lastModifiedDate: number;
}

export interface PackageSummary {
  packageName: string;
  defaultVersionName?: string;
  creationDate: number;
  lastModifiedDate: number;
}

export interface CreatePackageVersionOutput {
  packageVersionArn: string;
  packageName: string;
  versionName: string;
  description?: string;
  attributes: Record<string, string>;
  status: PackageVersionStatus;
  errorReason?: string;
}

export interface GetPackageVersionOutput extends CreatePackageVersionOutput {
  artifact?: PackageVersionArtifact;
  creationDate: number;
  lastModifiedDate: number;
  recipe?: string;
}

export interface PackageVersionSummary {
  packageName: string;
  versionName: string;
  status: PackageVersionStatus;
  creationDate: number;
  lastModifiedDate: number;
}

export function createPackageOutput(pkg: PackageRecord): CreatePackageOutput {
  return omitUndefined({ packageName: pkg.packageName, packageArn: pkg.packageArn, description: pkg.description });
}

export function getPackageOutput(pkg: PackageRecord): GetPackageOutput {
  return omitUndefined({
    ...createPackageOutput(pkg),
    defaultVersionName: pkg.defaultVersionName,
    creationDate: pkg.creationDate,
    lastModifiedDate: pkg.lastModifiedDate,
  });
}

export function packageSummary(pkg: PackageRecord): PackageSummary {
  return omitUndefined({
    packageName: pkg.packageName,
    defaultVersionName: pkg.defaultVersionName,
    creationDate: pkg.creationDate,
    lastModifiedDate: pkg.lastModifiedDate,
  });
}

export function listPackagesOutput(pkgs: readonly PackageRecord[], nextToken?: string): { packageSummaries: PackageSummary[]; nextToken?: string } {
  return omitUndefined({ packageSummaries: pkgs.map(packageSummary), nextToken });
}

export function createPackageVersionOutput(version: PackageVersionRecord): CreatePackageVersionOutput {
  return omitUndefined({
    packageVersionArn: version.packageVersionArn,
    packageName: version.packageName,
    versionName: version.versionName,
    description: version.description,
    attributes: version.attributes,
    status: version.status,
    errorReason: version.errorReason,
  });
}

/** GetPackageVersionResponse; `sbom` and `sbomValidationStatus` are omitted because SBOMs are not supported. */
export function getPackageVersionOutput(version: PackageVersionRecord): GetPackageVersionOutput {
  return omitUndefined({
    ...createPackageVersionOutput(version),
    artifact: version.artifact,
    creationDate: version.creationDate,
    lastModifiedDate: version.lastModifiedDate,
    recipe: version.recipe,
  });
}

export function packageVersionSummary(version: PackageVersionRecord): PackageVersionSummary {
  return {
    packageName: version.packageName,
    versionName: version.versionName,
    status: version.status,
    creationDate: version.creationDate,
    lastModifiedDate: version.lastModifiedDate,
  };
}

export function listPackageVersionsOutput(
  versions: readonly PackageVersionRecord[],
  nextToken?: string,
): { packageVersionSummaries: PackageVersionSummary[]; nextToken?: string } {
  return omitUndefined({ packageVersionSummaries: versions.map(packageVersionSummary), nextToken });
}

export function getPackageConfigurationOutput(config: PackageConfiguration): PackageConfiguration {
  return { versionUpdateByJobsConfig: { ...config.versionUpdateByJobsConfig } };
}
