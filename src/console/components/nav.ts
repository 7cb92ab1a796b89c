/**
 * The console's navigation, in display order: one entry per page group. A page tells the layout which
 * entry it belongs to (`nav` of `c.render`), which marks it `aria-current="page"`.
 */
export const NAV = [
  { key: "overview", label: "Overview", path: "" },
  { key: "sources", label: "Sources", path: "/sources" },
  { key: "deliveries", label: "Deliveries", path: "/deliveries" },
  { key: "dead-letters", label: "Dead letters", path: "/dead-letters" },
  { key: "profiles", label: "Profiles", path: "/profiles" },
  { key: "identity", label: "Identity", path: "/identity" },
  { key: "pull", label: "Pull", path: "/pull" },
  { key: "enrichment", label: "Enrichment", path: "/enrichment" },
  { key: "alerts", label: "Alerts", path: "/alerts" },
] as const;

/** One navigation entry's key, e.g. "dead-letters". */
export type NavKey = (typeof NAV)[number]["key"];
