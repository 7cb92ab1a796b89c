/** Props of {@link Progress}. */
export interface ProgressProps {
  /** Accessible name, e.g. "Replaying dead letters". */
  label: string;
  /** Work done so far (e.g. rows read). */
  value: number;
  /** Total work when known; omitted, the bar is indeterminate. */
  max?: number;
  /** True while the action runs: the page reloads itself every `refreshSeconds` (default 5). */
  running: boolean;
  refreshSeconds?: number;
}

/**
 * Progress of a long action (bulk replay, recompute, file import). The state lives on the server (the
 * admin API), so the operator can leave and come back; while it runs, the console script reloads the
 * page every few seconds (a `data-refresh` marker: no inline script, nothing for the CSP to allow).
 */
export function Progress({ label, value, max, running, refreshSeconds = 5 }: ProgressProps) {
  const text =
    max === undefined
      ? `${value.toLocaleString("en")} done`
      : `${value.toLocaleString("en")} of ${max.toLocaleString("en")}`;
  const id = `progress-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <div class="progress">
      <p id={id}>
        <strong>{label}</strong>
      </p>
      {max === undefined ? (
        <progress aria-labelledby={id} />
      ) : (
        <progress aria-labelledby={id} value={value} max={max} />
      )}
      <p class="hint" aria-live="polite">
        {text}
        {running ? " · still running; this page refreshes itself" : " · finished"}
      </p>
      {running ? <div data-refresh={String(refreshSeconds)} hidden /> : null}
    </div>
  );
}
