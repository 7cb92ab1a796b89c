import { METRICS, type MetricName } from "./catalog";

/** One sample: a series (metric name plus label values) and its value. */
export interface Sample {
  /** The series' metric name; for histograms also `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** `text/plain; version=0.0.4`: what Prometheus and Grafana Agent scrape. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Renders samples in the Prometheus text exposition format 0.0.4: a `# HELP` and `# TYPE` line per
 * metric family (every family of the catalog, even with no sample yet, so a scrape always shows
 * what exists), then its samples sorted by labels. Label values are escaped (`\\`, `"`, newline);
 * HELP text escapes `\\` and newline. Values are written in Go's float syntax (`+Inf`, `NaN`).
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export function renderExposition(samples: readonly Sample[]): string {
  const byFamily = new Map<MetricName, Sample[]>();
  for (const sample of samples) {
    const family = familyOf(sample.name);
    if (!family) continue;
    const list = byFamily.get(family) ?? [];
    list.push(sample);
    byFamily.set(family, list);
  }
  const lines: string[] = [];
  for (const name of Object.keys(METRICS).sort() as MetricName[]) {
    const spec = METRICS[name];
    lines.push(`# HELP ${name} ${escapeHelp(spec.help)}`);
    lines.push(`# TYPE ${name} ${spec.type}`);
    const list = (byFamily.get(name) ?? []).map((s) => ({ s, key: seriesKey(s) }));
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { s } of list) lines.push(`${s.name}${renderLabels(s.labels)} ${formatValue(s.value)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The catalog family a series name belongs to (`x_bucket` → `x` for histograms). */
function familyOf(series: string): MetricName | null {
  if (series in METRICS) return series as MetricName;
  const base = series.replace(/_(bucket|sum|count)$/, "");
  return base in METRICS && METRICS[base as MetricName].type === "histogram" ? (base as MetricName) : null;
}

/** Sort key: histogram series group by labels without `le`, buckets in ascending `le`, then sum and count. */
function seriesKey(s: Sample): string {
  const { le, ...rest } = s.labels;
  const suffix = s.name.endsWith("_bucket") ? `0${leKey(le)}` : s.name.endsWith("_sum") ? "1" : "2";
  return `${renderLabels(rest)}\u0000${suffix}`;
}

function leKey(le: string | undefined): string {
  const n = le === undefined || le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
  // Fixed-width so string order is numeric order for the bucket bounds in use (≤ 1e6 s).
  return Number.isFinite(n) ? n.toFixed(6).padStart(20, "0") : "~";
}

function renderLabels(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return "";
  return `{${names.map((n) => `${n}="${escapeLabel(labels[n]!)}"`).join(",")}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
