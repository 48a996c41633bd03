import { useEffect, useState } from "preact/hooks";
import type { HistoryEntry } from "../../../src/domain/shadow/history";
import { diffStates } from "../diff";
import type { Services } from "../main";
import { ErrorLine, json, Section, time } from "./common";

const PAGE = 50;
const key = (e: HistoryEntry) => `${e.version}${e.operation === "delete" ? "-deleted" : ""}`;
const sections = (e: HistoryEntry | undefined) => ({ desired: e?.state.desired ?? {}, reported: e?.state.reported ?? {} });

/** The shadow's recorded changes (this project's history extension), newest first, and the diff between two of them. */
export function HistoryTimeline({
  services,
  thingName,
  shadowName,
  refresh,
}: {
  services: Services;
  thingName: string;
  shadowName: string | undefined;
  refresh: number;
}) {
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [compareTo, setCompareTo] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  const load = async (token?: string) => {
    try {
      const page = await services.api.history(thingName, shadowName, PAGE, token);
      setEntries((old) => (token ? [...old, ...page.history] : page.history));
      setNextToken(page.nextToken);
      setError(undefined);
    } catch (e) {
      // A deleted shadow's history stays readable for 48 hours; after that it is gone like the shadow.
      setError(e);
    }
  };
  useEffect(() => {
    void load();
  }, [services, thingName, shadowName, refresh]);

  const newestFirst = [...entries].reverse();
  const chosen = newestFirst.find((e) => key(e) === selected) ?? newestFirst[0];
  const chosenIndex = chosen ? newestFirst.indexOf(chosen) : -1;
  const other = newestFirst.find((e) => key(e) === compareTo) ?? newestFirst[chosenIndex + 1];
  const rows = chosen ? diffStates(sections(other), sections(chosen)) : [];

  return (
    <Section title="History" actions={<span class="muted">{entries.length} change(s) kept</span>}>
      <ErrorLine error={error} />
      <div class="history">
        <ol class="timeline" data-testid="history">
          {newestFirst.map((entry) => (
            <li key={key(entry)} class={entry === chosen ? "active" : entry === other ? "compare" : ""}>
              <button
                type="button"
                class="link"
                onClick={() => {
                  setSelected(key(entry));
                  setCompareTo(undefined);
                }}
                data-testid="history-entry"
              >
                <strong>v{entry.version}</strong> {entry.operation === "delete" ? "deleted" : "updated"}
              </button>
              <span class="muted"> · {time(entry.timestamp)}</span>
              {entry.clientToken && <span class="muted"> · {entry.clientToken}</span>}
              {entry !== chosen && (
                <button type="button" class="link small" onClick={() => setCompareTo(key(entry))}>
                  compare
                </button>
              )}
            </li>
          ))}
          {nextToken && (
            <li>
              <button type="button" onClick={() => load(nextToken)}>
                Load more
              </button>
            </li>
          )}
        </ol>
        {chosen && (
          <div class="diff" data-testid="history-diff">
            <h3>
              v{chosen.version}
              {chosen.operation === "delete" ? " (delete)" : ""} compared with{" "}
              {other ? `v${other.version}${other.operation === "delete" ? " (delete)" : ""}` : "nothing before"}
            </h3>
            <table>
              <thead>
                <tr>
                  <th>Path</th>
                  <th>Before</th>
                  <th>After</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.path}>
                    <td>
                      <code>{row.path}</code>
                    </td>
                    <td class="before">{row.before === undefined ? "—" : JSON.stringify(row.before)}</td>
                    <td class="after">{row.after === undefined ? "—" : JSON.stringify(row.after)}</td>
                  </tr>
                ))}
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={3} class="muted">
                      No difference in desired or reported.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
            {chosen.operation === "update" && (
              <>
                <h3>Request</h3>
                <pre>{json({ state: chosen.request })}</pre>
              </>
            )}
          </div>
        )}
      </div>
    </Section>
  );
}
