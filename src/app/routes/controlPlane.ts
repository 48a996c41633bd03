import { Hono } from "hono";
import { ANY_RESOURCE, iotArn } from "../../auth";
import { type FieldChecker, packageFields, streamFields } from "../../domain/controlplane/fields";
import {
  PACKAGE_LIMITS,
  parseCreatePackageInput,
  parseCreatePackageVersionInput,
  parseListPackagesQuery,
  parseListPackageVersionsQuery,
  parseUpdatePackageConfigurationInput,
  parseUpdatePackageInput,
  parseUpdatePackageVersionInput,
  validateClientToken,
  validatePackageName,
  validateVersionName,
} from "../../domain/controlplane/packageInput";
import { listPackagesOutput, listPackageVersionsOutput } from "../../domain/controlplane/packages";
import {
  listStreamsOutput,
  parseCreateStreamInput,
  parseListStreamsQuery,
  parseUpdateStreamInput,
  STREAM_LIMITS,
  validateStreamId,
} from "../../domain/controlplane/streams";
import { ServiceError } from "../../domain/errors";
import { unwrap } from "../../domain/outcome";
import { type AppContext, type AppEnv, bodyBytes } from "../context";
import { requirePermission } from "../middleware/auth";
import { openPageToken, sealPageToken } from "../pageTokens";

/**
 * AWS IoT control plane (`@aws-sdk/client-iot`): streams and the software package catalog (control-plane.md §2,
 * §3; routes, query names and statuses of the Smithy model iot-2015-05-28). Each route validates the names in its
 * path, authorizes, parses its input with the domain parsers and hands it to the catalog object. Stream
 * operations report bad input as InvalidRequestException, package operations as ValidationException.
 */
export const controlPlaneRoutes = new Hono<AppEnv>();

const catalog = (c: AppContext) => c.env.CATALOG.getByName("catalog");
const arns = (c: AppContext) => ({
  stream: (streamId: string) => iotArn.stream(c.env.REGION, c.env.ACCOUNT_ID, streamId),
  package: (packageName: string) => iotArn.package(c.env.REGION, c.env.ACCOUNT_ID, packageName),
  version: (packageName: string, versionName: string) => iotArn.packageVersion(c.env.REGION, c.env.ACCOUNT_ID, packageName, versionName),
});

/** Page sizes when `maxResults` is absent: the model's maximum (AWS's own defaults are unverified). */
const DEFAULT_PAGE_SIZE = { streams: STREAM_LIMITS.maxListResults, packages: PACKAGE_LIMITS.maxListResults } as const;

// ---- endpoint ----

/**
 * DescribeEndpoint: the one host (and port) that serves every kind of endpoint here, as the request reached it, so
 * `aws iot describe-endpoint --endpoint-type iot:Data-ATS` gives what `--endpoint-url` then takes. AWS's endpoint
 * types only ([API] DescribeEndpoint; absent means the legacy `iot:Data`).
 */
const ENDPOINT_TYPES = new Set(["iot:Data", "iot:Data-ATS", "iot:CredentialProvider", "iot:Jobs"]);

controlPlaneRoutes.get("/endpoint", (c) => {
  const endpointType = c.req.query("endpointType");
  if (endpointType !== undefined && !ENDPOINT_TYPES.has(endpointType)) {
    throw new ServiceError("InvalidRequest", `Invalid endpointType: ${endpointType}. Valid types are ${[...ENDPOINT_TYPES].join(", ")}`);
  }
  requirePermission(c, "iot:DescribeEndpoint", ANY_RESOURCE);
  return c.json({ endpointAddress: new URL(c.req.url).host });
});

// ---- streams ----

function streamIdOf(c: AppContext): string {
  const streamId = c.req.param("streamId") ?? "";
  validateStreamId(streamId);
  return streamId;
}

controlPlaneRoutes.post("/streams/:streamId", async (c) => {
  const streamId = streamIdOf(c);
  requirePermission(c, "iot:CreateStream", arns(c).stream(streamId));
  const input = parseCreateStreamInput(await jsonBody(c, streamFields));
  return c.json(unwrap(await catalog(c).createStream(streamId, input)));
});

controlPlaneRoutes.get("/streams/:streamId", async (c) => {
  const streamId = streamIdOf(c);
  requirePermission(c, "iot:DescribeStream", arns(c).stream(streamId));
  return c.json(unwrap(await catalog(c).describeStream(streamId)));
});

controlPlaneRoutes.put("/streams/:streamId", async (c) => {
  const streamId = streamIdOf(c);
  requirePermission(c, "iot:UpdateStream", arns(c).stream(streamId));
  const input = parseUpdateStreamInput(await jsonBody(c, streamFields));
  return c.json(unwrap(await catalog(c).updateStream(streamId, input)));
});

controlPlaneRoutes.delete("/streams/:streamId", async (c) => {
  const streamId = streamIdOf(c);
  requirePermission(c, "iot:DeleteStream", arns(c).stream(streamId));
  return c.json(unwrap(await catalog(c).deleteStream(streamId)));
});

controlPlaneRoutes.get("/streams", async (c) => {
  requirePermission(c, "iot:ListStreams", ANY_RESOURCE);
  const query = parseListStreamsQuery(c.req.query());
  // A token continues the listing it came from: the same direction.
  const scope = `streams:${query.ascendingOrder ? "ascending" : "descending"}`;
  const after = await openCursor(c, query.nextToken, scope, streamFields, isNumber);
  const position = after === undefined ? { ascending: query.ascendingOrder } : { ascending: query.ascendingOrder, after };
  const page = unwrap(await catalog(c).listStreams(position, query.maxResults ?? DEFAULT_PAGE_SIZE.streams));
  return c.json(listStreamsOutput(page.items, await sealCursor(c, scope, page.next)));
});

// ---- packages ----

function packageNameOf(c: AppContext): string {
  const packageName = c.req.param("packageName") ?? "";
  validatePackageName(packageName);
  return packageName;
}

function versionNameOf(c: AppContext): string {
  const versionName = c.req.param("versionName") ?? "";
  validateVersionName(versionName);
  return versionName;
}

/** The `clientToken` query parameter of the mutating package operations (the SDK fills it with a UUID). */
function clientTokenOf(c: AppContext): string | undefined {
  const clientToken = c.req.query("clientToken");
  validateClientToken(clientToken);
  return clientToken;
}

/**
 * Creating or updating packages and versions also needs `iot:GetIndexingConfiguration`, because the catalog
 * integrates with fleet indexing of the `$package` shadow ([seed] update_package_version; control-plane.md §3).
 */
function requirePackageWritePermission(c: AppContext, action: string, resource: string): void {
  requirePermission(c, action, resource);
  requirePermission(c, "iot:GetIndexingConfiguration", ANY_RESOURCE);
}

controlPlaneRoutes.put("/packages/:packageName", async (c) => {
  const packageName = packageNameOf(c);
  requirePackageWritePermission(c, "iot:CreatePackage", arns(c).package(packageName));
  const clientToken = clientTokenOf(c);
  const input = parseCreatePackageInput(await jsonBody(c, packageFields));
  return c.json(unwrap(await catalog(c).createPackage(packageName, input, clientToken)));
});

controlPlaneRoutes.get("/packages/:packageName", async (c) => {
  const packageName = packageNameOf(c);
  requirePermission(c, "iot:GetPackage", arns(c).package(packageName));
  return c.json(unwrap(await catalog(c).getPackage(packageName)));
});

controlPlaneRoutes.patch("/packages/:packageName", async (c) => {
  const packageName = packageNameOf(c);
  requirePackageWritePermission(c, "iot:UpdatePackage", arns(c).package(packageName));
  clientTokenOf(c);
  const input = parseUpdatePackageInput(await jsonBody(c, packageFields));
  return c.json(unwrap(await catalog(c).updatePackage(packageName, input)));
});

controlPlaneRoutes.delete("/packages/:packageName", async (c) => {
  const packageName = packageNameOf(c);
  requirePermission(c, "iot:DeletePackage", arns(c).package(packageName));
  clientTokenOf(c);
  return c.json(unwrap(await catalog(c).deletePackage(packageName)));
});

controlPlaneRoutes.get("/packages", async (c) => {
  requirePermission(c, "iot:ListPackages", ANY_RESOURCE);
  const query = parseListPackagesQuery(c.req.query());
  const after = await openCursor(c, query.nextToken, "packages", packageFields, isString);
  const page = unwrap(await catalog(c).listPackages(after, query.maxResults ?? DEFAULT_PAGE_SIZE.packages));
  return c.json(listPackagesOutput(page.items, await sealCursor(c, "packages", page.next)));
});

// ---- package versions ----

controlPlaneRoutes.put("/packages/:packageName/versions/:versionName", async (c) => {
  const packageName = packageNameOf(c);
  const versionName = versionNameOf(c);
  requirePackageWritePermission(c, "iot:CreatePackageVersion", arns(c).version(packageName, versionName));
  const clientToken = clientTokenOf(c);
  const input = parseCreatePackageVersionInput(await jsonBody(c, packageFields));
  return c.json(unwrap(await catalog(c).createPackageVersion(packageName, versionName, input, clientToken)));
});

controlPlaneRoutes.get("/packages/:packageName/versions/:versionName", async (c) => {
  const packageName = packageNameOf(c);
  const versionName = versionNameOf(c);
  requirePermission(c, "iot:GetPackageVersion", arns(c).version(packageName, versionName));
  return c.json(unwrap(await catalog(c).getPackageVersion(packageName, versionName)));
});

controlPlaneRoutes.patch("/packages/:packageName/versions/:versionName", async (c) => {
  const packageName = packageNameOf(c);
  const versionName = versionNameOf(c);
  requirePackageWritePermission(c, "iot:UpdatePackageVersion", arns(c).version(packageName, versionName));
  clientTokenOf(c);
  const input = parseUpdatePackageVersionInput(await jsonBody(c, packageFields));
  return c.json(unwrap(await catalog(c).updatePackageVersion(packageName, versionName, input)));
});

controlPlaneRoutes.delete("/packages/:packageName/versions/:versionName", async (c) => {
  const packageName = packageNameOf(c);
  const versionName = versionNameOf(c);
  requirePermission(c, "iot:DeletePackageVersion", arns(c).version(packageName, versionName));
  clientTokenOf(c);
  return c.json(unwrap(await catalog(c).deletePackageVersion(packageName, versionName)));
});

controlPlaneRoutes.get("/packages/:packageName/versions", async (c) => {
  const packageName = packageNameOf(c);
  requirePermission(c, "iot:ListPackageVersions", ANY_RESOURCE);
  const query = parseListPackageVersionsQuery(c.req.query());
  // A token continues the listing it came from: the same package and the same status filter.
  const scope = `packageVersions:${packageName}:${query.status ?? ""}`;
  const after = await openCursor(c, query.nextToken, scope, packageFields, isString);
  const limit = query.maxResults ?? DEFAULT_PAGE_SIZE.packages;
  const page = unwrap(await catalog(c).listPackageVersions(packageName, query.status, after, limit));
  return c.json(listPackageVersionsOutput(page.items, await sealCursor(c, scope, page.next)));
});

// ---- account-wide package configuration ----

controlPlaneRoutes.get("/package-configuration", async (c) => {
  requirePermission(c, "iot:GetPackageConfiguration", ANY_RESOURCE);
  return c.json(unwrap(await catalog(c).getPackageConfiguration()));
});

controlPlaneRoutes.patch("/package-configuration", async (c) => {
  requirePermission(c, "iot:UpdatePackageConfiguration", ANY_RESOURCE);
  clientTokenOf(c);
  const input = parseUpdatePackageConfigurationInput(await jsonBody(c, packageFields));
  return c.json(unwrap(await catalog(c).updatePackageConfiguration(input)));
});

// ---- shared ----

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The JSON request body; an empty body reads as no members. Malformed JSON is the family's validation error. */
async function jsonBody(c: AppContext, fields: FieldChecker): Promise<unknown> {
  const bytes = await bodyBytes(c);
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return fields.fail("The request body is not valid JSON");
  }
}

const isNumber = (value: unknown): value is number => typeof value === "number";
const isString = (value: unknown): value is string => typeof value === "string";

/**
 * The listing position a `nextToken` carries. A token that is forged, malformed or minted for another listing
 * (scope) is refused with the family's validation error: the page tokens module reports InvalidRequest, which
 * the package operations do not model.
 */
async function openCursor<P>(
  c: AppContext,
  nextToken: string | undefined,
  scope: string,
  fields: FieldChecker,
  isPosition: (value: unknown) => value is P,
): Promise<P | undefined> {
  if (nextToken === undefined) return undefined;
  let payload: Record<string, unknown>;
  try {
    payload = await openPageToken(c.env, nextToken);
  } catch (error) {
    if (error instanceof ServiceError && error.kind === "InvalidRequest") return fields.fail("Invalid nextToken");
    throw error;
  }
  if (payload.scope !== scope || !isPosition(payload.after)) return fields.fail("Invalid nextToken");
  return payload.after;
}

async function sealCursor(c: AppContext, scope: string, next: string | number | undefined): Promise<string | undefined> {
  return next === undefined ? undefined : sealPageToken(c.env, { scope, after: next });
}
