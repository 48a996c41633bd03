// The runtime's ceiling (bench/README.md): the cheapest Worker route, Durable Object round trip and WebSocket fan-out
// this runtime can do, measured with the same load generator and concurrency as the project's routes.
// Plain JavaScript on purpose: tsconfig.node.json type-checks bench/ with Node's types, which have no Workers runtime.
import { DurableObject } from "cloudflare:workers";

/** A Durable Object whose one RPC method does nothing: the cost of a Worker → object round trip. */
export class NoopObject extends DurableObject {
  noop() {
    return 0;
  }
}

/**
 * A Durable Object whose one RPC method writes one SQLite row and commits: the least a durable operation costs (the
 * response leaves once the write is committed, as an acknowledged shadow update's does).
 */
export class WriteObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
    this.n = 0;
  }

  write() {
    this.n += 1;
    this.ctx.storage.sql.exec("INSERT INTO t (k, v) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", this.n);
    return this.n;
  }
}

/**
 * Holds plain WebSockets with the Hibernation API: subscribers (tag "sub") and publishers (tag "pub"). Writes one
 * frame to every subscriber on request (raw fan-out), and relays each frame a publisher sends to every subscriber
 * (raw pub/sub, the ceiling of a broker on this runtime).
 */
export class FanoutObject extends DurableObject {
  async fetch(request) {
    const role = new URL(request.url).searchParams.get("role") === "pub" ? "pub" : "sub";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [role]);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(_publisher, message) {
    for (const sub of this.ctx.getWebSockets("sub")) sub.send(message);
  }

  /** Completes the closing handshake (a no-op where the runtime already answers close frames itself). */
  webSocketClose(ws) {
    try {
      ws.close(1000);
    } catch {
      // already closed
    }
  }

  /** Sends `frame` to every subscriber; returns how many it was sent to. */
  send(frame) {
    const sockets = this.ctx.getWebSockets("sub");
    for (const ws of sockets) ws.send(frame);
    return sockets.length;
  }
}

/**
 * Holds plain WebSockets with the Hibernation API and answers each frame with the same frame: an idle socket that has
 * carried traffic, as an MQTT connection has carried CONNECT and CONNACK (the memory ceiling).
 */
export class EchoObject extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(ws, message) {
    ws.send(message);
  }

  webSocketClose(ws) {
    try {
      ws.close(1000);
    } catch {
      // already closed
    }
  }
}

/** A frame carrying the trigger's send time (client clock), padded to `bytes` so it weighs what a delta message does. */
function frameOf(url) {
  const head = { t: Number(url.searchParams.get("t")), seq: url.searchParams.get("seq") ?? "" };
  const bytes = Number(url.searchParams.get("bytes") ?? "0");
  const unpadded = JSON.stringify({ ...head, pad: "" }).length;
  return JSON.stringify({ ...head, pad: "x".repeat(Math.max(0, bytes - unpadded)) });
}

export default {
  /**
   * GET /noop                    → 200, no work
   * GET /do/{name}               → 200 after one RPC to NoopObject {name}
   * GET /write/{name}            → 200 after one RPC to WriteObject {name}, which writes one row and commits
   * GET /ws/{name}[?role=pub]    → WebSocket held (hibernatable) by FanoutObject {name}, a subscriber by default
   * GET /echo/{name}             → WebSocket held (hibernatable) by EchoObject {name}, each frame answered
   * GET /fanout/{name}?t&seq&bytes → one frame to every socket of FanoutObject {name}; body = sockets reached
   */
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, route, name = "default"] = url.pathname.split("/");
    switch (route) {
      case "noop":
        return new Response("ok");
      case "do":
        await env.NOOP.getByName(name).noop();
        return new Response("ok");
      case "write":
        await env.WRITE.getByName(name).write();
        return new Response("ok");
      case "ws":
        if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
        return env.FANOUT.getByName(name).fetch(request);
      case "echo":
        if (request.headers.get("Upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
        return env.ECHO.getByName(name).fetch(request);
      case "fanout":
        return new Response(String(await env.FANOUT.getByName(name).send(frameOf(url))));
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
