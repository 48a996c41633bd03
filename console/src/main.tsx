import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ConsoleApi } from "./api";
import { type ConnectionState, ConsoleMqtt } from "./mqtt";
import { clearSession, loadSession, type Session, saveSession } from "./session";
import { MqttClientView } from "./views/MqttClientView";
import { RetainedView } from "./views/RetainedView";
import { SignIn } from "./views/SignIn";
import { ThingsView } from "./views/ThingsView";
import { ThingView } from "./views/ThingView";

export interface Services {
  api: ConsoleApi;
  mqtt: ConsoleMqtt;
}

/** `#/things`, `#/things/{thing}`, `#/retained`, `#/mqtt`: the console's views, addressable and bookmarkable. */
type Route = { view: "things" } | { view: "thing"; thingName: string; shadowName?: string } | { view: "retained" } | { view: "mqtt" };

function routeOf(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const [, first, second] = path.split("/");
  if (first === "things" && second) {
    const shadowName = new URLSearchParams(query).get("shadow");
    return { view: "thing", thingName: decodeURIComponent(second), ...(shadowName ? { shadowName } : {}) };
  }
  if (first === "retained") return { view: "retained" };
  if (first === "mqtt") return { view: "mqtt" };
  return { view: "things" };
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const listener = () => setHash(location.hash);
    addEventListener("hashchange", listener);
    return () => removeEventListener("hashchange", listener);
  }, []);
  return routeOf(hash);
}

function App() {
  const [session, setSession] = useState<Session | undefined>(() => loadSession(sessionStorage));
  const services = useMemo<Services | undefined>(() => session && { api: new ConsoleApi(session), mqtt: new ConsoleMqtt(session) }, [session]);
  useEffect(() => () => services?.mqtt.close(), [services]);
  const route = useRoute();

  if (!session || !services) {
    return (
      <SignIn
        onSignIn={(s) => {
          saveSession(sessionStorage, s);
          setSession(s);
        }}
      />
    );
  }
  const signOut = () => {
    clearSession(sessionStorage);
    setSession(undefined);
  };
  return (
    <div class="layout">
      <header class="top">
        <span class="brand">IoT data plane</span>
        <nav>
          <a href="#/things" class={route.view === "things" || route.view === "thing" ? "active" : ""}>
            Things
          </a>
          <a href="#/retained" class={route.view === "retained" ? "active" : ""}>
            Retained messages
          </a>
          <a href="#/mqtt" class={route.view === "mqtt" ? "active" : ""}>
            MQTT test client
          </a>
        </nav>
        <ConnectionBadge mqtt={services.mqtt} />
        <span class="who" data-testid="principal">
          {session.accessKeyId} · {session.region}
        </span>
        <button type="button" class="link" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <main>
        {route.view === "things" && <ThingsView services={services} />}
        {route.view === "thing" && <ThingView key={route.thingName} services={services} thingName={route.thingName} shadowName={route.shadowName} />}
        {route.view === "retained" && <RetainedView services={services} />}
        {/* Kept mounted so its subscriptions and messages survive a visit to another view. */}
        <div hidden={route.view !== "mqtt"}>
          <MqttClientView services={services} />
        </div>
      </main>
    </div>
  );
}

function ConnectionBadge({ mqtt }: { mqtt: ConsoleMqtt }) {
  const [state, setState] = useState<ConnectionState>(mqtt.state);
  useEffect(() => mqtt.onState(setState), [mqtt]);
  return (
    <span class={`badge ${state}`} data-testid="mqtt-state" title={`MQTT client ${mqtt.clientId}`}>
      MQTT {state}
    </span>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
