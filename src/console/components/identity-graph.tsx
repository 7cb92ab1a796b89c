import type { ProfileGraphView } from "../../routes/admin/get-profile-graph";

/** Width and height of the drawing's coordinate space (the SVG scales to its container). */
const WIDTH = 760;
const HEIGHT = 520;
/** Identifier labels are drawn only up to this many identifiers (beyond: hover titles and the table). */
const MAX_LABELLED = 24;
const LABEL_CHARS = 30;

/** A node placed on the drawing. */
export interface PlacedNode {
  id: string;
  kind: "profile" | "identifier" | "merged_profile";
  label: string;
  x: number;
  y: number;
}

/**
 * A deterministic radial layout of a profile's identity graph: the profile in the centre, its
 * identifiers on an inner ring in the API's order (type, then value), and each merged profile on an
 * outer ring at the angle of the identifier that linked it (merged profiles sharing one spread out).
 * Same graph, same picture: nothing random, nothing measured in the browser.
 */
export function layoutGraph(graph: ProfileGraphView): PlacedNode[] {
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  const identifiers = graph.nodes.filter((n) => n.kind === "identifier");
  const merged = graph.nodes.filter((n) => n.kind === "merged_profile");
  const inner = merged.length > 0 ? 150 : 190;
  const outer = 235;
  const placed: PlacedNode[] = [];
  const angleOf = new Map<string, number>();
  const centre = graph.nodes.find((n) => n.kind === "profile");
  if (centre) placed.push({ id: centre.id, kind: "profile", label: centre.label, x: cx, y: cy });
  identifiers.forEach((n, i) => {
    // Start at the top and go clockwise; a lone identifier sits straight above.
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(identifiers.length, 1);
    angleOf.set(n.id, angle);
    placed.push({
      id: n.id,
      kind: "identifier",
      label: n.label,
      x: cx + inner * Math.cos(angle),
      y: cy + inner * Math.sin(angle),
    });
  });
  const via = new Map<string, string>();
  for (const e of graph.edges) if (e.kind === "merged_into") via.set(e.from, e.via);
  const sharing = new Map<string, number>();
  merged.forEach((n, i) => {
    const link = via.get(n.id);
    const base = link !== undefined ? (angleOf.get(link) ?? 0) : (2 * Math.PI * i) / merged.length;
    const k = sharing.get(link ?? "") ?? 0;
    sharing.set(link ?? "", k + 1);
    // 0, +0.22, -0.22, +0.44, ... radians around the linking identifier.
    const angle = base + (k === 0 ? 0 : (k % 2 === 1 ? 1 : -1) * 0.22 * Math.ceil(k / 2));
    placed.push({
      id: n.id,
      kind: "merged_profile",
      label: n.label,
      x: cx + outer * Math.cos(angle),
      y: cy + outer * Math.sin(angle),
    });
  });
  return placed;
}

function short(text: string): string {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

function anchor(x: number): "start" | "middle" | "end" {
  const cx = WIDTH / 2;
  return Math.abs(x - cx) < 20 ? "middle" : x > cx ? "start" : "end";
}

/**
 * The identity graph as server-rendered SVG (no script, nothing for the CSP to allow): an image with
 * a title and a text description listing what it shows, so a screen reader gets the same facts.
 */
export function IdentityGraph({ graph }: { graph: ProfileGraphView }) {
  const nodes = layoutGraph(graph);
  const at = new Map(nodes.map((n) => [n.id, n]));
  const identifiers = nodes.filter((n) => n.kind === "identifier");
  const merged = nodes.filter((n) => n.kind === "merged_profile");
  const labelled = identifiers.length <= MAX_LABELLED;
  const description = `Profile ${graph.profileId} with ${identifiers.length} identifier${identifiers.length === 1 ? "" : "s"}${
    graph.omittedIdentifiers ? ` (and ${graph.omittedIdentifiers} more not drawn)` : ""
  } and ${merged.length} merged profile${merged.length === 1 ? "" : "s"}. ${graph.edges
    .flatMap((e) =>
      e.kind === "merged_into"
        ? [`${e.from} merged into ${e.to} through ${e.merge.identifier.type}:${e.merge.identifier.value}.`]
        : [],
    )
    .join(" ")}`;
  return (
    <figure class="graph">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="graph-title graph-desc"
        xmlns="http://www.w3.org/2000/svg"
        font-family="system-ui, sans-serif"
        font-size="12"
      >
        <title id="graph-title">Identity graph of profile {graph.profileId}</title>
        <desc id="graph-desc">{description}</desc>
        <g stroke="#8a94a6" stroke-width="1.5">
          {graph.edges.map((e) => {
            if (e.kind === "has_identifier") {
              const a = at.get(e.from);
              const b = at.get(e.to);
              return a && b ? <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} /> : null;
            }
            const a = at.get(e.from);
            const b = at.get(e.via);
            return a && b ? (
              <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke="#b45309" stroke-dasharray="5 4">
                <title>{`${e.from} merged into ${e.to}: shared ${e.merge.identifier.type}:${e.merge.identifier.value} on event ${e.merge.eventId} (${e.merge.rule})`}</title>
              </line>
            ) : null;
          })}
        </g>
        {identifiers.map((n) => (
          <g>
            <title>{n.label}</title>
            <circle cx={n.x} cy={n.y} r="7" fill="#2563eb" />
            {labelled ? (
              <text
                x={n.x + (anchor(n.x) === "start" ? 11 : anchor(n.x) === "end" ? -11 : 0)}
                y={n.y + (anchor(n.x) === "middle" ? (n.y < HEIGHT / 2 ? -12 : 20) : 4)}
                text-anchor={anchor(n.x)}
                fill="#1f2937"
              >
                {short(n.label)}
              </text>
            ) : null}
          </g>
        ))}
        {merged.map((n) => (
          <g>
            <title>{`Merged profile ${n.label}`}</title>
            <rect x={n.x - 8} y={n.y - 8} width="16" height="16" fill="#f59e0b" stroke="#b45309" />
            <text x={n.x} y={n.y + 22} text-anchor="middle" fill="#92400e">
              {short(n.label)}
            </text>
          </g>
        ))}
        {nodes
          .filter((n) => n.kind === "profile")
          .map((n) => (
            <g>
              <title>{`Profile ${n.label}`}</title>
              <circle cx={n.x} cy={n.y} r="16" fill="#111827" />
              <text x={n.x} y={n.y + 32} text-anchor="middle" font-weight="bold" fill="#111827">
                {n.label}
              </text>
            </g>
          ))}
      </svg>
      <figcaption class="hint">
        Dark circle: this profile. Blue: its identifiers. Orange squares: profiles merged into it, joined by a
        dashed line to the identifier that linked them.
        {graph.omittedIdentifiers ? ` ${graph.omittedIdentifiers} more identifiers are not drawn.` : ""}
      </figcaption>
    </figure>
  );
}
