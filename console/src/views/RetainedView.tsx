import { useEffect, useState } from "preact/hooks";
import { payloadText, type RetainedMessage, type RetainedPage } from "../api";
import type { Services } from "../main";
import { ErrorLine, Pager, Section } from "./common";

const PAGE = 50;

/** ListRetainedMessages, paged, and one message's payload (GetRetainedMessage). */
export function RetainedView({ services }: { services: Services }) {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<RetainedPage | undefined>();
  const [open, setOpen] = useState<RetainedMessage | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  const index = tokens.length - 1;

  useEffect(() => {
    services.api
      .listRetained(PAGE, tokens[index])
      .then((p) => {
        setPage(p);
        setError(undefined);
      })
      .catch(setError);
  }, [services, tokens, index, reload]);

  return (
    <div class="stack">
      <Section
        title="Retained messages"
        actions={
          <button type="button" onClick={() => setReload((n) => n + 1)}>
            Refresh
          </button>
        }
      >
        <ErrorLine error={error} />
        <table>
          <thead>
            <tr>
              <th>Topic</th>
              <th class="num">Bytes</th>
              <th class="num">QoS</th>
              <th>Last modified</th>
            </tr>
          </thead>
          <tbody data-testid="retained-list">
            {page?.retainedTopics.map((t) => (
              <tr key={t.topic}>
                <td>
                  <button type="button" class="link" onClick={() => services.api.getRetained(t.topic).then(setOpen, setError)}>
                    {t.topic}
                  </button>
                </td>
                <td class="num">{t.payloadSize}</td>
                <td class="num">{t.qos}</td>
                <td>{new Date(t.lastModifiedTime).toLocaleString()}</td>
              </tr>
            ))}
            {page && page.retainedTopics.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No retained message.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <Pager
          page={index}
          hasNext={page?.nextToken !== undefined}
          onPrevious={() => setTokens(tokens.slice(0, -1))}
          onNext={() => page?.nextToken && setTokens([...tokens, page.nextToken])}
        />
      </Section>
      {open && (
        <Section title={open.topic}>
          <p class="muted">
            QoS {open.qos} · {open.payload.byteLength} bytes · {new Date(open.lastModifiedTime).toLocaleString()}
          </p>
          <pre data-testid="retained-payload">{payloadText(open.payload)}</pre>
        </Section>
      )}
    </div>
  );
}
