import type { SqliteSessionStore } from "../../storage/sqliteSessions";
import type { ClientLocks, ConnectionTable } from "./connection";
import type { SessionHandover } from "./handover";
import type { Outbox } from "./outbox";
import type { HubPorts } from "./ports";
import type { HubRoutes } from "./routes";
import type { Sessions } from "./sessions";
import type { LocalSubscriptions } from "./subscriptions";
import type { DurableWork } from "./work";

/** The parts of one hub, shared by its modules (each takes the parts it uses from here, at call time). */
export interface HubCore {
  ports: HubPorts;
  store: SqliteSessionStore;
  connections: ConnectionTable;
  locks: ClientLocks;
  subscriptions: LocalSubscriptions;
  routes: HubRoutes;
  outbox: Outbox;
  handover: SessionHandover;
  sessions: Sessions;
  work: DurableWork;
}
