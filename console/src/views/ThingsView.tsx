import { useEffect, useState } from "preact/hooks";
import type { FleetPage } from "../api";
import type { Services } from "../main";
import { ErrorLine, Pager, Section } from "./common";

const PAGE_SIZES = [10, 25, 50, 100];

/**
 * The things that have shadows (ListThingsWithShadows), one page at a time: the console never reads the whole
 * fleet, so it stays as fast with 10,000 things as with ten.
 */
export function ThingsView({ services }: { services: Services }) {
  const [prefix, setPrefix] = useState("");
  const [pageSize, setPageSize] = useState(25);
  // tokens[i] is the nextToken that leads to page i (undefined for the first page).
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<FleetPage | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const index = tokens.length - 1;

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    services.api
      .listThings(pageSize, prefix, tokens[index])
      .then((result) => {
        if (cancelled) return;
        setPage(result);
        setError(undefined);
      })
      .catch((e) => {
        if (!cancelled) setError(e);
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [services, prefix, pageSize, tokens, index]);

  const restart = () => setTokens([undefined]);
  return (
    <div class="stack">
      <Section
        title="Things with shadows"
        actions={
          <div class="filters">
            <input
              placeholder="Thing name prefix"
              value={prefix}
              data-testid="thing-prefix"
              onInput={(e) => {
                setPrefix(e.currentTarget.value.trim());
                restart();
              }}
            />
            <select
              value={pageSize}
              data-testid="page-size"
              onChange={(e) => {
                setPageSize(Number(e.currentTarget.value));
                restart();
              }}
            >
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size} per page
                </option>
              ))}
            </select>
          </div>
        }
      >
        <ErrorLine error={error} />
        <table class={loading ? "loading" : ""}>
          <thead>
            <tr>
              <th>Thing</th>
              <th class="num">Shadows</th>
            </tr>
          </thead>
          <tbody data-testid="thing-list">
            {page?.things.map((thing) => (
              <tr key={thing.thingName}>
                <td>
                  <a href={`#/things/${encodeURIComponent(thing.thingName)}`} data-testid="thing-link">
                    {thing.thingName}
                  </a>
                </td>
                <td class="num">{thing.shadowCount}</td>
              </tr>
            ))}
            {page && page.things.length === 0 && (
              <tr>
                <td colSpan={2} class="muted">
                  No thing has a shadow{prefix ? ` with a name starting with “${prefix}”` : ""}.
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
      <CreateShadow services={services} />
    </div>
  );
}

function CreateShadow({ services }: { services: Services }) {
  const [thingName, setThingName] = useState("");
  const [shadowName, setShadowName] = useState("");
  const [desired, setDesired] = useState('{\n  "on": true\n}');
  const [error, setError] = useState<unknown>();
  return (
    <Section title="Create or update a shadow">
      <form
        class="form"
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            const state = JSON.parse(desired) as unknown;
            await services.api.updateShadow(thingName.trim(), shadowName.trim() || undefined, { state: { desired: state } });
            setError(undefined);
            location.hash = `#/things/${encodeURIComponent(thingName.trim())}${shadowName.trim() ? `?shadow=${encodeURIComponent(shadowName.trim())}` : ""}`;
          } catch (e) {
            setError(e);
          }
        }}
      >
        <div class="row">
          <label>
            Thing name
            <input value={thingName} onInput={(e) => setThingName(e.currentTarget.value)} required data-testid="new-thing-name" />
          </label>
          <label>
            Shadow name <span class="muted">(empty: the classic shadow)</span>
            <input value={shadowName} onInput={(e) => setShadowName(e.currentTarget.value)} data-testid="new-shadow-name" />
          </label>
        </div>
        <label>
          Desired state (JSON)
          <textarea rows={4} value={desired} onInput={(e) => setDesired(e.currentTarget.value)} data-testid="new-desired" />
        </label>
        <ErrorLine error={error} />
        <button type="submit" class="primary" data-testid="create-shadow">
          Save shadow
        </button>
      </form>
    </Section>
  );
}
