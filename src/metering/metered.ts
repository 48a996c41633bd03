import { CostMeter } from "./costMeter";

/**
 * The cost meter wired to the runtime (src/metering/costMeter.ts), for `npm run bench` only: with the COST_METER var
 * set to "on", src/index.ts exports the Worker and the Durable Object classes through these wrappers, and the
 * Worker answers `GET /_bench/cost` (the counters; `?reset=1` zeroes them after reading). Without it nothing here
 * runs. Requests are counted where they are sent (every stub comes from an env binding, wrapped here), WebSocket
 * messages and alarms where they arrive, rows on every cursor an object's SQL storage returns. The counters live in
 * the isolate: on workerd (npm start, the bench) the Worker and all its objects share one.
 */
export const costMeter = new CostMeter();

export const COST_ROUTE = "/_bench/cost";

// biome-ignore lint/suspicious/noExplicitAny: wraps whatever the runtime hands over, untyped on purpose
type Any = any;

const isNamespace = (value: unknown): value is DurableObjectNamespace =>
  typeof value === "object" && value !== null && typeof (value as Any).getByName === "function" && typeof (value as Any).idFromName === "function";

/** A stub whose calls (RPC methods and fetch) each count as one request to `owner`. */
function meteredStub(stub: Any, owner: string): Any {
  return new Proxy(stub, {
    get(target, property) {
      const value = Reflect.get(target, property);
      // `then` is probed by `await`; symbols and plain properties are not calls.
      if (typeof value !== "function" || typeof property === "symbol" || property === "then") return value;
      return (...args: unknown[]) => {
        costMeter.request(owner);
        return Reflect.apply(value, target, args);
      };
    },
  });
}

function meteredNamespace(namespace: DurableObjectNamespace, owner: string): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === "getByName" || property === "get") {
        return (...args: unknown[]) => meteredStub(Reflect.apply(value as Any, target, args), owner);
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const meteredEnvs = new WeakMap<object, Env>();

/** `env` with every Durable Object namespace binding metered. */
export function meteredEnv(env: Env): Env {
  const known = meteredEnvs.get(env);
  if (known) return known;
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(env)) {
    const value = (env as Any)[key];
    wrapped[key] = isNamespace(value) ? meteredNamespace(value, key) : value;
  }
  meteredEnvs.set(env, wrapped as unknown as Env);
  return wrapped as unknown as Env;
}

/**
 * `objectClass` with its runtime entry points metered: incoming WebSocket messages and alarms counted, every SQL
 * cursor's rows counted, and the env it sees metered (its own calls to other objects counted as requests).
 */
export function meteredObject<T extends new (ctx: DurableObjectState, env: Env) => Any>(objectClass: T, owner: string): T {
  const base = objectClass as Any;
  class Metered extends base {
    constructor(ctx: DurableObjectState, env: Env) {
      const sql = ctx.storage.sql as Any;
      const exec = sql.exec;
      sql.exec = (...args: unknown[]) => {
        const cursor = exec.apply(sql, args);
        costMeter.cursor(owner, cursor);
        return cursor;
      };
      super(ctx, meteredEnv(env));
    }
  }
  const proto = Metered.prototype as Any;
  if (typeof base.prototype.webSocketMessage === "function") {
    proto.webSocketMessage = function (this: Any, ...args: unknown[]) {
      costMeter.webSocketMessage(owner);
      return base.prototype.webSocketMessage.apply(this, args);
    };
  }
  if (typeof base.prototype.alarm === "function") {
    proto.alarm = function (this: Any, ...args: unknown[]) {
      costMeter.request(owner);
      return base.prototype.alarm.apply(this, args);
    };
  }
  Object.defineProperty(Metered, "name", { value: objectClass.name });
  return Metered as unknown as T;
}

interface FetchWorker {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

/** The Worker with its requests counted, its env metered, and the counters served at COST_ROUTE. */
export function meteredWorker(worker: FetchWorker): ExportedHandler<Env> {
  return {
    fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (url.pathname === COST_ROUTE && request.method === "GET") {
        const snapshot = costMeter.snapshot();
        if (url.searchParams.get("reset") === "1") costMeter.reset();
        return Response.json(snapshot);
      }
      costMeter.workerRequest();
      return worker.fetch(request, meteredEnv(env), ctx);
    },
  };
}
