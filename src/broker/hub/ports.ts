import type { Principal } from "../../auth/credentials";
import type { AuthScope } from "../../auth/mqtt";
import type { Message } from "../../domain/message";
import type { RetainedRecord } from "../../domain/retained";
import type { IndexAddress, IndexLayout } from "../../domain/subscriptionIndex";
import type { SqliteConnectionStore } from "../../storage/sqliteConnections";
import type { Claim, ClientLocation } from "../../storage/sqliteRegistry";
import type { SqliteSessionStore, SubscriptionRow } from "../../storage/sqliteSessions";
import type { Clock } from "../clock";
import type { Delivery, SubscriptionIndex } from "../types";

/** Per-connection identity that survives hibernation (the WebSocket's attachment: small and versioned). */
export interface Attachment {
  v: 2;
  connId: string;
  accessKeyId: string;
  /** Epoch ms. */
  openedAt: number;
  /** Epoch ms of the last packet received, for keep-alive (written at most every quarter keep-alive). */
  lastSeen: number;
  /** Set once CONNECT was accepted: a second CONNECT on the connection is a protocol error, also after hibernation. */
  clientId?: string;
  protocolVersion?: 4 | 5;
  keepAlive?: number;
  /** Seconds the session outlives the connection (0: a clean session). */
  sessionExpiry?: number;
  /** QoS 1 messages the client may have unacknowledged (its Receive Maximum, within AWS's 100). */
  receiveMaximum?: number;
  /** The largest packet the client accepts (its MQTT 5 Maximum Packet Size), when it said. */
  maximumPacketSize?: number;
  /** The client's address and the address it reached, as the edge saw them (GetConnection, lifecycle events). */
  sourceIp?: string;
  targetIp?: string;
  targetPort?: number;
}

/** A client's WebSocket as the hub sees it (the runtime's hibernatable socket in production). */
export interface Socket {
  send(bytes: Uint8Array): void;
  close(code: number, reason: string): void;
  attachment(): Attachment | null;
  setAttachment(attachment: Attachment): void;
}

/** What a hub asks of the hub that holds a client's session when the client connects elsewhere. */
export interface HandoverRequest {
  clientId: string;
  /** The connection the registry says held the session. */
  fromConn: string;
  toHub: string;
  toConn: string;
  /** The epoch of the asker's claim: an older claim than one the holder knows gets `stale`. */
  epoch: number;
  /** Clean Start: the old session is discarded, nothing is copied. */
  clean: boolean;
}

export type HandoverStart =
  /** Nothing to hand over (no session, or a clean start: the old one was discarded). */
  | { kind: "none" }
  /** The session, now marked as moving: its subscriptions; its messages follow page by page (fetchHandover). */
  | { kind: "session"; protocolVersion: 4 | 5; expiry: number; accessKeyId: string; subscriptions: SubscriptionRow[] }
  /** The session is still on its way here from another hub that never finished handing it over: ask that hub. */
  | { kind: "redirect"; to: ClientLocation }
  /** A newer claim of the client id holds (or is taking) the session: the asker's connection is superseded. */
  | { kind: "stale" }
  /** The holder cannot tell yet where the session is (its own handover is undecided): ask again later. */
  | { kind: "unavailable" };

/** The old hub's answer when asked to delete its copy: done (also when asked again), or not moving to the asker. */
export type FinishResult = "done" | "invalid";

export interface HandoverPage {
  messages: { ord: number; message: Message; packetId: number | null; queuedAt: number }[];
  /** False when the session is no longer moving to the asker (someone else took it over meanwhile). */
  valid: boolean;
}

/** The RPC surface of a hub, as other objects call it. */
export interface HubPeer {
  deliver(deliveries: Delivery[]): Promise<void>;
  beginHandover(request: HandoverRequest): Promise<HandoverStart>;
  fetchHandover(clientId: string, epoch: number, afterOrd: number | null, maxBytes: number): Promise<HandoverPage>;
  finishHandover(clientId: string, epoch: number): Promise<FinishResult>;
}

export interface RegistryPort {
  claim(clientId: string, location: ClientLocation): Promise<Claim>;
  confirm(clientId: string, epoch: number, location: ClientLocation): Promise<void>;
  release(clientId: string, location: ClientLocation): Promise<void>;
}

export interface PublishOptions {
  publisher?: string;
  /** Will messages to `$aws` topics are delivered but not acted on by the shadow service (AWS IoT behaviour). */
  fromWill?: boolean;
}

/** Everything a hub needs from the runtime and from other objects. */
export interface HubPorts {
  store: SqliteSessionStore;
  /** Connection records and lifecycle events to publish. */
  connectionStore: SqliteConnectionStore;
  clock: Clock;
  /** This hub's name (objects do not know the name they were addressed by; the edge tells it on each upgrade). */
  name(): string | undefined;
  /** The live sockets, as the runtime kept them through hibernation. */
  sockets(): Socket[];
  registry(clientId: string): RegistryPort;
  peer(hub: string): HubPeer;
  index(address: IndexAddress): Pick<SubscriptionIndex, "setRoute">;
  /** How the subscription index is sharded (MQTT_INDEX_SPREAD); the default layout when absent. */
  indexLayout?: IndexLayout;
  publish(message: Message, options: PublishOptions): Promise<void>;
  retained(topic: string): Promise<RetainedRecord | undefined>;
  principal(accessKeyId: string): Principal | undefined;
  scope: AuthScope;
  /** Asks to be woken (`alarm`) at or before this epoch ms. */
  wakeAt(at: number): void;
  /** Lowest MQTT keep-alive accepted, in seconds (AWS: 30; tests lower it). */
  keepAliveFloor: number;
  /** Publishes a connection may send per second (AWS: 100; the benchmark raises it to measure the broker itself). */
  publishesPerSecond?: number;
  /** Longest a persistent session outlives its connection, in seconds (AWS: 1 h by default, up to 7 days). */
  sessionExpiryMax: number;
}
