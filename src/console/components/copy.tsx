/** Props of {@link Copy}. */
export interface CopyProps {
  /** The text shown and copied (an ingest URL, an id). */
  text: string;
  /** Accessible name of the button, e.g. "Copy ingest URL". */
  label?: string;
}

/**
 * A value with a copy button. The button is hidden until the console script wires it up (no script, no
 * dead button); "Copied" is announced through an aria-live region.
 */
export function Copy({ text, label = "Copy" }: CopyProps) {
  return (
    <span class="copy">
      <code>{text}</code>
      <button type="button" class="secondary" data-copy={text} aria-label={label} hidden>
        Copy
      </button>
      <span data-copy-status="" aria-live="polite" class="hint" />
    </span>
  );
}
