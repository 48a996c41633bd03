import { DurableObject } from "cloudflare:workers";
import type { ArnContext } from "../domain/controlplane/arn";
import { createRequestIdentity } from "../domain/controlplane/idempotency";
import type {
  CreatePackageInput,
  CreatePackageVersionInput,
  PackageVersionStatus,
  UpdatePackageConfigurationInput,
  UpdatePackageInput,
  UpdatePackageVersionInput,
} from "../domain/controlplane/packageInput";
import {
  applyPackageConfigurationUpdate,
  applyPackageUpdate,
  applyPackageVersionUpdate,
  assertPackageDeletable,
  assertPackageVersionDeletable,
  type CreatePackageOutput,
  type CreatePackageVersionOutput,
  createPackage,
  createPackageOutput,
  createPackageVersion,
  createPackageVersionOutput,
  DEFAULT_PACKAGE_CONFIGURATION,
  type GetPackageOutput,
  type GetPackageVersionOutput,
  getPackageConfigurationOutput,
  getPackageOutput,
  getPackageVersionOutput,
  type PackageConfiguration,
  type PackageRecord,
  type PackageVersionRecord,
  packageMissingForVersion,
  packageNotFound,
  packageVersionNotFound,
  resolvePackageCreate,
  resolvePackageVersionCreate,
} from "../domain/controlplane/packages";
import {
  type CreateStreamInput,
  createStream,
  describeStreamOutput,
  type StreamRecord,
  streamAlreadyExists,
  streamNotFound,
  streamWriteOutput,
  type UpdateStreamInput,
  updateStream,
} from "../domain/controlplane/streams";
import { capture, type Outcome } from "../domain/outcome";
import { type Page, SqliteCatalogStore, type StreamPosition } from "../storage/catalog";

/** The `{}` output of the update and delete operations. */
type Empty = Record<string, never>;
type StreamWriteOutput = ReturnType<typeof streamWriteOutput>;
type DescribeStreamOutput = ReturnType<typeof describeStreamOutput>;

/**
 * The account-wide control-plane catalog: streams and the software package catalog, one object addressed by the
 * name "catalog" so every rule that spans resources (a version needs its package, a package is deleted only
 * without versions) is checked and written in one place. Inputs arrive parsed and validated by the edge; each
 * method runs read-decide-write in one synchronous SQLite transaction, so no request interleaves with another
 * and a failure leaves nothing half written.
 */
export class CatalogObject extends DurableObject<Env> {
  private readonly store: SqliteCatalogStore;
  private readonly arn: ArnContext;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SqliteCatalogStore(ctx.storage.sql);
    this.arn = { region: env.REGION, account: env.ACCOUNT_ID };
  }

  // ---- streams (control-plane.md §2) ----

  createStream(streamId: string, input: CreateStreamInput): Promise<Outcome<StreamWriteOutput>> {
    return this.atomically((store, now) => {
      const existing = store.readStream(streamId);
      if (existing !== undefined) throw streamAlreadyExists(existing);
      const record = createStream(streamId, input, now, this.arn);
      store.insertStream(record);
      return streamWriteOutput(record);
    });
  }

  describeStream(streamId: string): Promise<Outcome<DescribeStreamOutput>> {
    return this.atomically((store) => describeStreamOutput(this.existingStream(store, streamId)));
  }

  listStreams(position: StreamPosition, limit: number): Promise<Outcome<Page<StreamRecord, number>>> {
    return this.atomically((store) => store.listStreams(position, limit));
  }

  updateStream(streamId: string, input: UpdateStreamInput): Promise<Outcome<StreamWriteOutput>> {
    return this.atomically((store, now) => {
      const record = updateStream(this.existingStream(store, streamId), input, now);
      store.replaceStream(record);
      return streamWriteOutput(record);
    });
  }

  deleteStream(streamId: string): Promise<Outcome<Empty>> {
    return this.atomically((store) => {
      this.existingStream(store, streamId);
      store.deleteStream(streamId);
      return {};
    });
  }

  // ---- packages (control-plane.md §3) ----

  createPackage(packageName: string, input: CreatePackageInput, clientToken: string | undefined): Promise<Outcome<CreatePackageOutput>> {
    return this.atomically((store, now) => {
      const request = createRequestIdentity(clientToken, input);
      const resolution = resolvePackageCreate(store.readPackage(packageName), request);
      if (resolution.action === "replay") return createPackageOutput(resolution.record);
      const record = createPackage(packageName, input, now, this.arn, request);
      store.writePackage(record);
      return createPackageOutput(record);
    });
  }

  getPackage(packageName: string): Promise<Outcome<GetPackageOutput>> {
    return this.atomically((store) => getPackageOutput(this.existingPackage(store, packageName)));
  }

  updatePackage(packageName: string, input: UpdatePackageInput): Promise<Outcome<Empty>> {
    return this.atomically((store, now) => {
      const pkg = this.existingPackage(store, packageName);
      store.writePackage(applyPackageUpdate(pkg, input, (name) => store.readPackageVersion(packageName, name), now));
      return {};
    });
  }

  listPackages(after: string | undefined, limit: number): Promise<Outcome<Page<PackageRecord, string>>> {
    return this.atomically((store) => store.listPackages(after, limit));
  }

  /** No ResourceNotFound is modelled for DeletePackage: deleting a missing package succeeds (control-plane.md §3). */
  deletePackage(packageName: string): Promise<Outcome<Empty>> {
    return this.atomically((store) => {
      const pkg = store.readPackage(packageName);
      if (pkg === undefined) return {};
      assertPackageDeletable(pkg, store.countPackageVersions(packageName));
      store.deletePackage(packageName);
      return {};
    });
  }

  // ---- package versions ----

  createPackageVersion(
    packageName: string,
    versionName: string,
    input: CreatePackageVersionInput,
    clientToken: string | undefined,
  ): Promise<Outcome<CreatePackageVersionOutput>> {
    return this.atomically((store, now) => {
      const pkg = store.readPackage(packageName);
      if (pkg === undefined) throw packageMissingForVersion(packageName);
      const request = createRequestIdentity(clientToken, input);
      const resolution = resolvePackageVersionCreate(store.readPackageVersion(packageName, versionName), request);
      if (resolution.action === "replay") return createPackageVersionOutput(resolution.record);
      const record = createPackageVersion(pkg, versionName, input, now, request);
      store.writePackageVersion(record);
      return createPackageVersionOutput(record);
    });
  }

  getPackageVersion(packageName: string, versionName: string): Promise<Outcome<GetPackageVersionOutput>> {
    return this.atomically((store) => getPackageVersionOutput(this.existingVersion(store, packageName, versionName)));
  }

  updatePackageVersion(packageName: string, versionName: string, input: UpdatePackageVersionInput): Promise<Outcome<Empty>> {
    return this.atomically((store, now) => {
      const version = this.existingVersion(store, packageName, versionName);
      store.writePackageVersion(applyPackageVersionUpdate(version, input, now));
      return {};
    });
  }

  /** Versions of a package that does not exist: an empty list, as no ResourceNotFound is modelled. */
  listPackageVersions(
    packageName: string,
    status: PackageVersionStatus | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Outcome<Page<PackageVersionRecord, string>>> {
    return this.atomically((store) => store.listPackageVersions(packageName, status, after, limit));
  }

  /** Deleting a missing version succeeds (no ResourceNotFound modelled); the default version is refused. */
  deletePackageVersion(packageName: string, versionName: string): Promise<Outcome<Empty>> {
    return this.atomically((store) => {
      assertPackageVersionDeletable(store.readPackage(packageName), versionName);
      store.deletePackageVersion(packageName, versionName);
      return {};
    });
  }

  // ---- account-wide package configuration ----

  getPackageConfiguration(): Promise<Outcome<PackageConfiguration>> {
    return this.atomically((store) => getPackageConfigurationOutput(this.packageConfiguration(store)));
  }

  updatePackageConfiguration(input: UpdatePackageConfigurationInput): Promise<Outcome<Empty>> {
    return this.atomically((store) => {
      store.writePackageConfiguration(applyPackageConfigurationUpdate(this.packageConfiguration(store), input));
      return {};
    });
  }

  /**
   * Runs one operation inside a SQLite transaction: a thrown ServiceError rolls back every write the operation
   * made and becomes a failed outcome (thrown errors lose their class across RPC). Timestamps are epoch seconds
   * with millisecond fractions, as restJson1 carries them.
   */
  private atomically<T>(operation: (store: SqliteCatalogStore, now: number) => T): Promise<Outcome<T>> {
    const now = Date.now() / 1000;
    return capture(() => this.ctx.storage.transactionSync(() => operation(this.store, now)));
  }

  private existingStream(store: SqliteCatalogStore, streamId: string): StreamRecord {
    const record = store.readStream(streamId);
    if (record === undefined) throw streamNotFound(streamId);
    return record;
  }

  private existingPackage(store: SqliteCatalogStore, packageName: string): PackageRecord {
    const record = store.readPackage(packageName);
    if (record === undefined) throw packageNotFound(packageName);
    return record;
  }

  private existingVersion(store: SqliteCatalogStore, packageName: string, versionName: string): PackageVersionRecord {
    const record = store.readPackageVersion(packageName, versionName);
    if (record === undefined) throw packageVersionNotFound(packageName, versionName);
    return record;
  }

  private packageConfiguration(store: SqliteCatalogStore): PackageConfiguration {
    return store.readPackageConfiguration() ?? DEFAULT_PACKAGE_CONFIGURATION;
  }
}
