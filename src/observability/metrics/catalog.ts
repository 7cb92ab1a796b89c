/**
 * Every metric the gateway exposes on `GET /metrics`: one closed list, so a metric cannot be emitted
 * under a misspelt name or with a label set its help text does not describe. Names and units follow
 * Prometheus' naming conventions (base units, `_total` for counters, `_seconds` for durations).
 * @see https://prometheus.io/docs/practices/naming/
 */
export const METRICS = {
  tributary_deliveries_total: {
    type: "counter",
    help: "Deliveries and events by final disposition (accepted, rejected:<code>, duplicate, ignored:<cause>, stored, merged, dead_lettered:<cause>, replayed).",
    labels: ["workspace", "source", "disposition"],
  },
  tributary_ingest_duration_seconds: {
    type: "histogram",
    help: "Time the edge took from request to answer, by route.",
    labels: ["route"],
  },
  tributary_events_stored_total: {
    type: "counter",
    help: "Canonical events stored, by workspace.",
    labels: ["workspace"],
  },
  tributary_identity_merges_total: {
    type: "counter",
    help: "Profile merges performed by identity resolution.",
    labels: ["workspace"],
  },
  tributary_identity_merge_blocked_total: {
    type: "counter",
    help: "Merges identity rules refused, by reason.",
    labels: ["reason"],
  },
  tributary_poll_runs_total: {
    type: "counter",
    help: "Finished poll runs, by source and outcome (succeeded, failed).",
    labels: ["source", "outcome"],
  },
  tributary_extension_calls_total: {
    type: "counter",
    help: "Calls to extensions' external systems, by extension and outcome.",
    labels: ["extension", "outcome"],
  },
  tributary_client_disconnects_total: {
    type: "counter",
    help: "Requests whose client went away before the body was read.",
    labels: [],
  },
  tributary_queue_pending: {
    type: "gauge",
    help: "Messages sent to a queue and not yet acknowledged by its consumer.",
    labels: ["queue"],
  },
  tributary_queue_backlog_seconds: {
    type: "gauge",
    help: "Age of the oldest message sent to a queue and not yet acknowledged (0 when none is pending).",
    labels: ["queue"],
  },
  tributary_dead_letters: {
    type: "gauge",
    help: "Dead letters waiting for replay or deletion, by workspace.",
    labels: ["workspace"],
  },
  tributary_poll_lag_seconds: {
    type: "gauge",
    help: "How far a poll job is behind its schedule (0 when on time).",
    labels: ["source"],
  },
  tributary_projection_lag_seconds: {
    type: "gauge",
    help: "Age of the oldest identity change committed in a workspace's resolver and not yet projected to D1 (0 when none).",
    labels: ["workspace"],
  },
  tributary_breaker_state: {
    type: "gauge",
    help: "Circuit breaker of an extension's external system: 0 closed, 1 half-open, 2 open.",
    labels: ["extension"],
  },
} as const satisfies Record<string, MetricSpec>;

/** How a metric is declared: its Prometheus type, help text and label names. */
export interface MetricSpec {
  type: "counter" | "gauge" | "histogram";
  help: string;
  labels: readonly string[];
}

/** A metric's name. */
export type MetricName = keyof typeof METRICS;

/** The label values of metric `M`, one string per declared label. */
export type LabelsOf<M extends MetricName> = {
  [K in (typeof METRICS)[M]["labels"][number]]: string;
};

/** Counter names (the ones an isolate adds to). */
export type CounterName = {
  [M in MetricName]: (typeof METRICS)[M]["type"] extends "counter" ? M : never;
}[MetricName];

/** Histogram names. */
export type HistogramName = {
  [M in MetricName]: (typeof METRICS)[M]["type"] extends "histogram" ? M : never;
}[MetricName];

/** Gauge names (computed when scraped). */
export type GaugeName = {
  [M in MetricName]: (typeof METRICS)[M]["type"] extends "gauge" ? M : never;
}[MetricName];

/**
 * Upper bounds of the duration histograms' buckets, seconds: from 1 ms (a cached source's verify and
 * enqueue) to 10 s (a request that waited on a slow database). `+Inf` is implied.
 */
export const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
] as const;
