/** Default cap of a {@link JsonBlock}: 64 KiB of pretty-printed text. */
export const JSON_BLOCK_MAX_CHARS = 64 * 1024;

/** Props of {@link JsonBlock}. */
export interface JsonBlockProps {
  /** Any JSON value (a delivery body, traits), or a string that is shown as it is. */
  value: unknown;
  /** Characters shown at most (default {@link JSON_BLOCK_MAX_CHARS}); the rest is cut with a note. */
  maxChars?: number;
  /** Accessible name of the block, e.g. "Delivery body". */
  label?: string;
}

/**
 * Pretty-printed JSON in a scrollable `<pre>`, capped in size so a 1 MB body cannot make a page slow;
 * the note says how much was left out. Escaped by JSX like all text.
 */
export function JsonBlock({ value, maxChars = JSON_BLOCK_MAX_CHARS, label }: JsonBlockProps) {
  let text: string;
  if (typeof value === "string") text = value;
  else {
    try {
      text = JSON.stringify(value, null, 2) ?? "undefined";
    } catch {
      text = String(value);
    }
  }
  const cut = text.length > maxChars;
  return (
    <figure class="json">
      {label ? <figcaption class="hint">{label}</figcaption> : null}
      <pre class="json" tabindex={0}>
        {cut ? text.slice(0, maxChars) : text}
      </pre>
      {cut ? (
        <p class="hint">
          Showing the first {maxChars.toLocaleString("en")} of {text.length.toLocaleString("en")} characters.
        </p>
      ) : null}
    </figure>
  );
}
