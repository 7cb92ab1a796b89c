/**
 * What became of a delivery, one closed list. A delivery is `accepted` at the edge (or `rejected:<code>`
 * there); the pipeline then settles it as exactly one of `stored`, `merged` (stored, and one of its
 * events merged two profiles), `duplicate` (every event was stored before by another delivery),
 * `ignored:<cause>` (nothing to store, e.g. a source's ping) or `dead_lettered:<cause>`; a replayed
 * dead letter is counted `replayed` and then settles again. `<code>` is a problem code, `<cause>` a
 * dead-letter reason or an ignore cause: both closed lists, so the label set stays bounded.
 */
export const DISPOSITION_KINDS = [
  "accepted",
  "rejected",
  "duplicate",
  "ignored",
  "stored",
  "merged",
  "dead_lettered",
  "replayed",
] as const;

/** A disposition's kind (the part before `:`). */
export type DispositionKind = (typeof DISPOSITION_KINDS)[number];

/** Kinds that carry a cause after `:`. */
const WITH_CAUSE: ReadonlySet<DispositionKind> = new Set(["rejected", "ignored", "dead_lettered"]);

/**
 * The disposition string of a delivery log row: `kind` alone, or `kind:cause` for the kinds that
 * carry one. A row written before dispositions existed (`accepted` after processing) reads as is.
 */
export function dispositionOf(kind: DispositionKind, cause?: string | null): string {
  return WITH_CAUSE.has(kind) && cause ? `${kind}:${cause}` : kind;
}

/**
 * Splits a disposition filter (`rejected`, `rejected:signature_invalid`) into kind and optional cause;
 * null when the kind is not one of {@link DISPOSITION_KINDS}.
 */
export function parseDisposition(text: string): { kind: DispositionKind; cause?: string } | null {
  const at = text.indexOf(":");
  const kind = (at < 0 ? text : text.slice(0, at)) as DispositionKind;
  if (!DISPOSITION_KINDS.includes(kind)) return null;
  const cause = at < 0 ? undefined : text.slice(at + 1);
  if (cause !== undefined && (!WITH_CAUSE.has(kind) || !/^[a-z0-9_]{1,64}$/.test(cause))) return null;
  return cause === undefined ? { kind } : { kind, cause };
}
