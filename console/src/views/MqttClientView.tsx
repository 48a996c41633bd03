import { useState } from "preact/hooks";
import { payloadText } from "../api";
import type { Services } from "../main";
import type { ReceivedMessage } from "../mqtt";
import { ErrorLine, Section } from "./common";

/** Messages kept on screen; older ones leave first. */
const KEPT = 200;

/** Subscribe to filters and watch messages arrive; publish. Over the product's own /mqtt, as this principal. */
export function MqttClientView({ services }: { services: Services }) {
  const [filter, setFilter] = useState("#");
  const [subscriptions, setSubscriptions] = useState<{ filter: string; stop: () => void }[]>([]);
  const [messages, setMessages] = useState<ReceivedMessage[]>([]);
  const [topic, setTopic] = useState("console/test");
  const [payload, setPayload] = useState('{"hello": "world"}');
  const [qos, setQos] = useState<0 | 1>(0);
  const [retain, setRetain] = useState(false);
  const [error, setError] = useState<unknown>();

  const subscribe = async (event: Event) => {
    event.preventDefault();
    const wanted = filter.trim();
    if (!wanted || subscriptions.some((s) => s.filter === wanted)) return;
    try {
      const stop = await services.mqtt.subscribe(wanted, (message) => setMessages((old) => [message, ...old].slice(0, KEPT)));
      setSubscriptions((old) => [...old, { filter: wanted, stop }]);
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div class="stack">
      <div class="grid two">
        <Section title="Subscribe">
          <form class="row" onSubmit={subscribe}>
            <input value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="Topic filter" data-testid="subscribe-filter" />
            <button type="submit" class="primary" data-testid="subscribe">
              Subscribe
            </button>
          </form>
          <ul class="chips" data-testid="subscriptions">
            {subscriptions.map((s) => (
              <li key={s.filter}>
                <code>{s.filter}</code>
                <button
                  type="button"
                  class="link small"
                  onClick={() => {
                    s.stop();
                    setSubscriptions((old) => old.filter((o) => o !== s));
                  }}
                >
                  ✕
                </button>
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Publish">
          <form
            class="form"
            onSubmit={async (event) => {
              event.preventDefault();
              try {
                await services.mqtt.publish(topic.trim(), payload, qos, retain);
                setError(undefined);
              } catch (e) {
                setError(e);
              }
            }}
          >
            <input value={topic} onInput={(e) => setTopic(e.currentTarget.value)} placeholder="Topic" data-testid="publish-topic" />
            <textarea rows={3} value={payload} onInput={(e) => setPayload(e.currentTarget.value)} data-testid="publish-payload" />
            <div class="row">
              <select value={qos} onChange={(e) => setQos(e.currentTarget.value === "1" ? 1 : 0)}>
                <option value="0">QoS 0</option>
                <option value="1">QoS 1</option>
              </select>
              <label class="inline">
                <input type="checkbox" checked={retain} onChange={(e) => setRetain(e.currentTarget.checked)} /> retain
              </label>
              <button type="submit" class="primary" data-testid="publish">
                Publish
              </button>
            </div>
          </form>
        </Section>
      </div>
      <ErrorLine error={error} />
      <Section
        title="Messages"
        actions={
          <button type="button" onClick={() => setMessages([])}>
            Clear
          </button>
        }
      >
        <ul class="messages" data-testid="messages">
          {messages.map((m, i) => (
            <li key={`${m.receivedAt}-${i}`} data-testid="message">
              <div class="message-head">
                <code data-testid="message-topic">{m.topic}</code>
                <span class="muted">
                  QoS {m.qos}
                  {m.retain ? " · retained" : ""} · {new Date(m.receivedAt).toLocaleTimeString()}
                </span>
              </div>
              <pre data-testid="message-payload">{payloadText(m.payload)}</pre>
            </li>
          ))}
          {messages.length === 0 && <li class="muted">No message yet.</li>}
        </ul>
      </Section>
    </div>
  );
}
