import { ServiceError } from "../domain/errors";

/**
 * IoT / IAM-style policy evaluation (Developer Guide "AWS IoT Core policies", IAM "Policy
 * evaluation logic"): an explicit Deny wins, otherwise any matching Allow allows, otherwise the
 * request is implicitly denied. `*` matches any run of characters (including none, `/` and `:`), `?`
 * exactly one; MQTT `+` and `#` are plain characters in policies. Actions match case-insensitively,
 * resources case-sensitively.
 */

export interface PolicyStatement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface AuthzRequest {
  /** e.g. `iot:UpdateThingShadow`. */
  action: string;
  /** ARN (see `iotArn`), or `*` for account-wide actions. */
  resource: string;
}

/** Values of the policy variables `${iot:ClientId}` and `${iot:Connection.Thing.ThingName}`. */
export interface PolicyVariables {
  clientId?: string;
  thingName?: string;
}

export type PolicyDecision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export function evaluatePolicies(policies: readonly PolicyDocument[], req: AuthzRequest, vars: PolicyVariables = {}): PolicyDecision {
  let allowed = false;
  const subject: Subject = { action: [...req.action.toLowerCase()], resource: [...req.resource] };
  for (const policy of policies) {
    for (const statement of asList(policy.Statement)) {
      if (!statementMatches(statement, subject, vars)) continue;
      if (statement.Effect === "Deny") return "ExplicitDeny";
      allowed = true;
    }
  }
  return allowed ? "Allow" : "ImplicitDeny";
}

/** The request as code points, split once per evaluation. */
interface Subject {
  action: readonly string[];
  resource: readonly string[];
}

function statementMatches(statement: PolicyStatement, { action, resource }: Subject, vars: PolicyVariables): boolean {
  return (
    asList(statement.Action).some((pattern) => wildcardMatch(compileAction(pattern), action)) &&
    asList(statement.Resource).some((pattern) => {
      const compiled = compileResource(pattern, vars);
      // An unresolvable variable makes that resource entry match nothing (IAM behaviour).
      return compiled !== undefined && wildcardMatch(compiled, resource);
    })
  );
}

const ANY_RUN = Symbol("*");
const ANY_CHAR = Symbol("?");
/** A pattern as code points (literals) and wildcards; substituted variable text is always literal. */
type Pattern = readonly (string | typeof ANY_RUN | typeof ANY_CHAR)[];

function wildcardUnit(ch: string): string | typeof ANY_RUN | typeof ANY_CHAR {
  return ch === "*" ? ANY_RUN : ch === "?" ? ANY_CHAR : ch;
}

/**
 * Compiled patterns, kept per isolate (policies are few and are evaluated on every request and every delivery).
 * Resource patterns with variables depend on the request and are compiled each time.
 */
const compiled = new Map<string, Pattern>();
const COMPILED_MAX = 4096;

function remember(key: string, pattern: Pattern): Pattern {
  if (compiled.size >= COMPILED_MAX) compiled.clear();
  compiled.set(key, pattern);
  return pattern;
}

/** Policy variables are not substituted in Action (IAM allows them in Resource and Condition only). */
function compileAction(pattern: string): Pattern {
  return compiled.get(`a:${pattern}`) ?? remember(`a:${pattern}`, [...pattern.toLowerCase()].map(wildcardUnit));
}

function compileResource(pattern: string, vars: PolicyVariables): Pattern | undefined {
  if (!pattern.includes("${")) return compiled.get(`r:${pattern}`) ?? remember(`r:${pattern}`, [...pattern].map(wildcardUnit));
  const units: (string | typeof ANY_RUN | typeof ANY_CHAR)[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith("${", i)) {
      const end = pattern.indexOf("}", i + 2);
      if (end !== -1) {
        const value = variableValue(pattern.slice(i + 2, end), vars);
        if (value === undefined) return undefined;
        units.push(...value);
        i = end + 1;
        continue;
      }
    }
    const ch = String.fromCodePoint(pattern.codePointAt(i) as number);
    units.push(wildcardUnit(ch));
    i += ch.length;
  }
  return units;
}

/** IAM variable names are case-insensitive; `${*}`, `${?}`, `${$}` stand for the literal character. */
function variableValue(name: string, vars: PolicyVariables): string | undefined {
  switch (name.trim().toLowerCase()) {
    case "iot:clientid":
      return vars.clientId;
    case "iot:connection.thing.thingname":
      return vars.thingName;
    case "*":
    case "?":
    case "$":
      return name.trim();
    default:
      return undefined;
  }
}

/** Greedy glob match with single backtrack point: linear for typical ARNs, never exponential. */
function wildcardMatch(pattern: Pattern, subject: readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let starAt = -1;
  let starSubject = 0;
  while (s < subject.length) {
    const unit = pattern[p];
    if (p < pattern.length && (unit === ANY_CHAR || unit === subject[s])) {
      p++;
      s++;
    } else if (unit === ANY_RUN) {
      starAt = p++;
      starSubject = s;
    } else if (starAt !== -1) {
      p = starAt + 1;
      s = ++starSubject;
    } else {
      return false;
    }
  }
  while (pattern[p] === ANY_RUN) p++;
  return p === pattern.length;
}

function asList<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}

const VERSIONS = new Set(["2012-10-17", "2008-10-17"]);
const DOCUMENT_KEYS = new Set(["Version", "Id", "Statement"]);
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Action", "Resource"]);
/**
 * Valid IAM elements this evaluator does not implement. Refusing them beats ignoring them: a
 * dropped Condition would widen an Allow, a dropped NotResource would invert a Deny.
 */
const UNSUPPORTED_KEYS = new Set(["Condition", "NotAction", "NotResource", "Principal", "NotPrincipal"]);

/** Checks the shape of a policy document and returns a copy holding only the evaluated fields. */
export function validatePolicyDocument(doc: unknown): PolicyDocument {
  if (!isObject(doc)) throw malformed("the document must be a JSON object");
  for (const key of Object.keys(doc)) {
    if (!DOCUMENT_KEYS.has(key)) throw malformed(`unknown element '${key}'`);
  }
  const version = doc.Version;
  if (version !== undefined && !(typeof version === "string" && VERSIONS.has(version))) {
    throw malformed("Version must be '2012-10-17' or '2008-10-17'");
  }
  const rawStatements = doc.Statement;
  if (rawStatements === undefined) throw malformed("missing Statement");
  if (Array.isArray(rawStatements) && rawStatements.length === 0) throw malformed("Statement must not be empty");
  const statements = (Array.isArray(rawStatements) ? rawStatements : [rawStatements]).map(validateStatement);
  return {
    ...(typeof version === "string" ? { Version: version } : {}),
    Statement: Array.isArray(rawStatements) ? statements : (statements[0] as PolicyStatement),
  };
}

function validateStatement(raw: unknown, index: number): PolicyStatement {
  const where = `Statement[${index}]`;
  if (!isObject(raw)) throw malformed(`${where} must be a JSON object`);
  for (const key of Object.keys(raw)) {
    if (UNSUPPORTED_KEYS.has(key)) throw malformed(`${where}: '${key}' is not supported by this server`);
    if (!STATEMENT_KEYS.has(key)) throw malformed(`${where}: unknown element '${key}'`);
  }
  const effect = raw.Effect;
  if (effect !== "Allow" && effect !== "Deny") throw malformed(`${where}: Effect must be 'Allow' or 'Deny'`);
  const sid = raw.Sid;
  if (sid !== undefined && typeof sid !== "string") throw malformed(`${where}: Sid must be a string`);
  return {
    Effect: effect,
    Action: stringOrList(raw.Action, `${where}.Action`),
    Resource: stringOrList(raw.Resource, `${where}.Resource`),
  };
}

function stringOrList(value: unknown, where: string): string | string[] {
  if (typeof value === "string" && value !== "") return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string" && v !== "")) {
    return [...(value as string[])];
  }
  throw malformed(`${where} must be a non-empty string or a non-empty list of non-empty strings`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function malformed(reason: string): ServiceError {
  return new ServiceError("InvalidRequest", `Policy document is malformed: ${reason}.`);
}
