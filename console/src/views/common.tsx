import type { ComponentChildren } from "preact";
import { ApiError } from "../api";

export const json = (value: unknown): string => JSON.stringify(value, null, 2);
export const time = (epochSeconds: number): string => new Date(epochSeconds * 1000).toLocaleString();

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.type}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorLine({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return (
    <p class="error" role="alert" data-testid="error">
      {errorText(error)}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <div class="card-head">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** Previous / next over an API's nextToken pages: the tokens of the pages seen are kept to go back. */
export function Pager({ page, hasNext, onPrevious, onNext }: { page: number; hasNext: boolean; onPrevious: () => void; onNext: () => void }) {
  return (
    <div class="pager">
      <button type="button" onClick={onPrevious} disabled={page === 0} data-testid="previous-page">
        ← Previous
      </button>
      <span data-testid="page-number">Page {page + 1}</span>
      <button type="button" onClick={onNext} disabled={!hasNext} data-testid="next-page">
        Next →
      </button>
    </div>
  );
}
