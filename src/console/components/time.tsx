/** Props of {@link Time}. */
export interface TimeProps {
  /** An ISO 8601 string or epoch milliseconds; null/undefined renders "—". */
  value: string | number | null | undefined;
}

/** "2026-12-02 15:10:00 UTC" for an ISO instant. */
function utcText(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/**
 * A point in time: `<time datetime="ISO" title="UTC ...">` showing UTC; the console script rewrites the
 * text into the operator's time zone, the title keeps UTC on hover.
 */
export function Time({ value }: TimeProps) {
  if (value === null || value === undefined || value === "") return <span class="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{String(value)}</span>;
  const utc = utcText(date);
  return (
    <time datetime={date.toISOString()} title={utc} data-local="">
      {utc}
    </time>
  );
}
