import { useEffect, useState } from "preact/hooks";
import { computeDelta, type JsonObject } from "../../../src/domain/shadow";
import { objectPatch } from "../../../src/domain/shadow/history";
import { shadowTopicPrefix } from "../../../src/domain/topics";
import { ApiError, type ShadowDocument } from "../api";
import type { Services } from "../main";
import { ErrorLine, json, Section, time } from "./common";
import { HistoryTimeline } from "./HistoryTimeline";

/** The classic shadow's key in the tabs (shadow names are never empty). */
const CLASSIC = "";

/** A thing: its classic and named shadows as tabs; the open one live, editable, with its history. */
export function ThingView({ services, thingName, shadowName }: { services: Services; thingName: string; shadowName?: string | undefined }) {
  const [names, setNames] = useState<string[] | undefined>();
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    Promise.all([services.api.getShadow(thingName), services.api.listNamedShadows(thingName)])
      .then(([classic, named]) => {
        setNames([...(classic ? [CLASSIC] : []), ...named.results]);
        setMore(named.nextToken !== undefined);
      })
      .catch(setError);
  }, [services, thingName, reload]);

  const selected = shadowName ?? (names && names.length > 0 ? names[0] : undefined);
  const open = (name: string) => {
    location.hash = `#/things/${encodeURIComponent(thingName)}${name === CLASSIC ? "" : `?shadow=${encodeURIComponent(name)}`}`;
  };
  return (
    <div class="stack">
      <div class="crumbs">
        <a href="#/things">Things</a> / <strong data-testid="thing-name">{thingName}</strong>
      </div>
      <ErrorLine error={error} />
      <div class="tabs" data-testid="shadow-tabs">
        {names?.map((name) => (
          <button type="button" key={name} class={name === selected ? "tab active" : "tab"} onClick={() => open(name)}>
            {name === CLASSIC ? "Classic shadow" : name}
          </button>
        ))}
        {more && <span class="muted">(first 100 named shadows)</span>}
        {names && names.length === 0 && !shadowName && <span class="muted">This thing has no shadow.</span>}
      </div>
      {selected !== undefined && (
        <ShadowPanel
          key={selected}
          services={services}
          thingName={thingName}
          shadowName={selected === CLASSIC ? undefined : selected}
          onGone={() => setReload((n) => n + 1)}
        />
      )}
    </div>
  );
}

function ShadowPanel({
  services,
  thingName,
  shadowName,
  onGone,
}: {
  services: Services;
  thingName: string;
  shadowName: string | undefined;
  onGone: () => void;
}) {
  const [doc, setDoc] = useState<ShadowDocument | null | undefined>();
  const [live, setLive] = useState(false);
  const [changed, setChanged] = useState(0);
  const [error, setError] = useState<unknown>();
  const prefix = shadowTopicPrefix(thingName, shadowName);

  useEffect(() => {
    services.api
      .getShadow(thingName, shadowName)
      .then((d) => setDoc(d ?? null))
      .catch(setError);
  }, [services, thingName, shadowName]);

  // Live: every accepted change of this shadow arrives on /update/documents (full desired/reported after it), a
  // delete on /delete/accepted.
  useEffect(() => {
    const decoder = new TextDecoder();
    const stops: Promise<() => void>[] = [
      services.mqtt.subscribe(`${prefix}/update/documents`, (message) => {
        const { current, timestamp } = JSON.parse(decoder.decode(message.payload)) as {
          current: { state: { desired?: JsonObject; reported?: JsonObject }; metadata: ShadowDocument["metadata"]; version: number };
          timestamp: number;
        };
        const delta = computeDelta(current.state.desired, current.state.reported);
        setDoc({ state: { ...current.state, ...(delta ? { delta } : {}) }, metadata: current.metadata, version: current.version, timestamp });
        setChanged((n) => n + 1);
      }),
      services.mqtt.subscribe(`${prefix}/delete/accepted`, () => {
        setDoc(null);
        setChanged((n) => n + 1);
      }),
    ];
    Promise.all(stops)
      .then(() => setLive(true))
      .catch(setError);
    return () => {
      setLive(false);
      for (const stop of stops)
        stop.then(
          (f) => f(),
          () => undefined,
        );
    };
  }, [services, prefix]);

  return (
    <div class="stack">
      <Section
        title={shadowName ? `Shadow “${shadowName}”` : "Classic shadow"}
        actions={
          <div class="filters">
            <span class={`badge ${live ? "connected" : "offline"}`} data-testid="shadow-live">
              {live ? "live" : "not live"}
            </span>
            {doc && (
              <span class="muted" data-testid="shadow-version">
                version {doc.version}
              </span>
            )}
            {doc && (
              <button
                type="button"
                class="danger"
                data-testid="delete-shadow"
                onClick={async () => {
                  if (!confirm(`Delete ${shadowName ? `shadow ${shadowName}` : "the classic shadow"} of ${thingName}?`)) return;
                  try {
                    await services.api.deleteShadow(thingName, shadowName);
                    setDoc(null);
                    onGone();
                  } catch (e) {
                    setError(e);
                  }
                }}
              >
                Delete
              </button>
            )}
          </div>
        }
      >
        <ErrorLine error={error} />
        {doc === null && <p class="muted">No such shadow (deleted, or not created yet).</p>}
        {doc && (
          <>
            <div class="grid">
              <Document title="Desired" value={doc.state.desired} testid="desired" />
              <Document title="Reported" value={doc.state.reported} testid="reported" />
              <Document title="Delta" value={doc.state.delta} testid="delta" />
              <Document title="Metadata" value={doc.metadata} testid="metadata" />
            </div>
            <p class="muted">Last changed {time(doc.timestamp)}</p>
            <DesiredEditor services={services} thingName={thingName} shadowName={shadowName} doc={doc} onError={setError} />
          </>
        )}
      </Section>
      <HistoryTimeline services={services} thingName={thingName} shadowName={shadowName} refresh={changed} />
    </div>
  );
}

function Document({ title, value, testid }: { title: string; value: unknown; testid: string }) {
  return (
    <div class="doc">
      <h3>{title}</h3>
      <pre data-testid={testid}>{value === undefined ? "—" : json(value)}</pre>
    </div>
  );
}

/**
 * Edits the whole desired section: what is sent is the update that turns the current desired into the edited one
 * (removed keys as null), with the version it was edited from, so a change made meanwhile is refused (409), not lost.
 */
function DesiredEditor({
  services,
  thingName,
  shadowName,
  doc,
  onError,
}: {
  services: Services;
  thingName: string;
  shadowName: string | undefined;
  doc: ShadowDocument;
  onError: (e: unknown) => void;
}) {
  const current = json(doc.state.desired ?? {});
  const [text, setText] = useState(current);
  const [base, setBase] = useState(doc.version);
  const dirty = text !== current && base === doc.version;
  // A change arriving live replaces the text unless it is being edited.
  useEffect(() => {
    if (!dirty) {
      setText(current);
      setBase(doc.version);
    }
  }, [current, doc.version]);

  return (
    <form
      class="form"
      onSubmit={async (event) => {
        event.preventDefault();
        try {
          const edited = JSON.parse(text) as unknown;
          if (edited !== null && (typeof edited !== "object" || Array.isArray(edited)))
            throw new Error("Desired must be a JSON object (or null to clear it)");
          const desired = edited === null ? null : objectPatch(doc.state.desired ?? {}, edited as JsonObject);
          await services.api.updateShadow(thingName, shadowName, { state: { desired }, version: base });
          onError(undefined);
        } catch (e) {
          onError(
            e instanceof ApiError && e.type === "ConflictException"
              ? new Error("The shadow changed while you edited it: reload the text and edit again.")
              : e,
          );
        }
      }}
    >
      <label>
        Edit desired state (version {base})
        <textarea rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="desired-editor" />
      </label>
      <div class="row">
        <button type="submit" class="primary" data-testid="save-desired">
          Save desired
        </button>
        <button
          type="button"
          onClick={() => {
            setText(current);
            setBase(doc.version);
          }}
        >
          Reload
        </button>
      </div>
    </form>
  );
}
