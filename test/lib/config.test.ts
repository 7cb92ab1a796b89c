import { describe, expect, it } from "vitest";
import { CONFIG_DEFAULTS, configOf, parseConfig } from "../../src/lib/config";

describe("configuration", () => {
  it("takes every documented default when nothing is set, silently", () => {
    const { config, issues } = parseConfig({});
    expect(config).toEqual({
      ...CONFIG_DEFAULTS,
      workspaceEventRetentionDays: new Map(),
      allowPrivateOutboundTargets: false,
      publicBaseUrl: undefined,
    });
    expect(issues).toEqual([]);
    expect(parseConfig({ INGEST_MAX_RETRIES: " ", METRICS_FLUSH_MS: "" }).issues).toEqual([]);
  });

  it("parses well-formed settings", () => {
    const { config, issues } = parseConfig({
      INGEST_MAX_RETRIES: "2",
      DELIVERY_LOG_RETENTION_DAYS: "7",
      EVENT_RETENTION_DAYS: "30",
      WORKSPACE_EVENT_RETENTION_DAYS: '{"ws-a":5,"ws-b":"400"}',
      IDENTITY_CHUNK_EVENTS: "10",
      METRICS_FLUSH_MS: "0",
      PROJECTION_BACKPRESSURE_PENDING: "0",
      PROJECTION_BACKPRESSURE_SECONDS: "2.5",
      ALLOW_PRIVATE_OUTBOUND_TARGETS: "true",
      PUBLIC_BASE_URL: "https://hooks.example.com/",
    });
    expect(issues).toEqual([]);
    expect(config).toEqual({
      ingestMaxRetries: 2,
      deliveryLogRetentionDays: 7,
      eventRetentionDays: 30,
      workspaceEventRetentionDays: new Map([
        ["ws-a", 5],
        ["ws-b", 400],
      ]),
      identityChunkEvents: 10,
      metricsFlushMs: 0,
      projectionBackpressurePending: 0,
      projectionBackpressureSeconds: 2.5,
      allowPrivateOutboundTargets: true,
      publicBaseUrl: "https://hooks.example.com",
    });
  });

  it("falls back to the default for a bad value and says which setting, what it held and what is used", () => {
    const { config, issues } = parseConfig({
      INGEST_MAX_RETRIES: "abc",
      DELIVERY_LOG_RETENTION_DAYS: "0",
      IDENTITY_CHUNK_EVENTS: "2.5",
      METRICS_FLUSH_MS: "soon",
      PROJECTION_BACKPRESSURE_PENDING: "-1",
      ALLOW_PRIVATE_OUTBOUND_TARGETS: "yes",
      PUBLIC_BASE_URL: "hooks.example.com",
    });
    expect(config.ingestMaxRetries).toBe(5);
    expect(config.deliveryLogRetentionDays).toBe(30);
    expect(config.identityChunkEvents).toBe(50);
    expect(config.metricsFlushMs).toBe(1000);
    expect(config.projectionBackpressurePending).toBe(2000);
    expect(config.projectionBackpressureSeconds).toBe(5);
    expect(config.allowPrivateOutboundTargets).toBe(false);
    expect(config.publicBaseUrl).toBeUndefined();
    expect(issues.map((i) => i.message)).toEqual([
      'INGEST_MAX_RETRIES="abc": expected a number; using the default 5',
      'DELIVERY_LOG_RETENTION_DAYS="0": expected 1–3650; using the default 30',
      'IDENTITY_CHUNK_EVENTS="2.5": expected an integer; using the default 50',
      'METRICS_FLUSH_MS="soon": expected a number; using the default 1000',
      'PROJECTION_BACKPRESSURE_PENDING="-1": expected 0–1000000; using the default 2000',
      'ALLOW_PRIVATE_OUTBOUND_TARGETS="yes": expected "true" or "false"; using false (non-public targets refused)',
      'PUBLIC_BASE_URL="hooks.example.com": expected an http(s) URL; using each request\'s own origin',
    ]);
  });

  it("clamps INGEST_MAX_RETRIES to 0–100 instead of refusing it", () => {
    const retries = (value: string) => parseConfig({ INGEST_MAX_RETRIES: value }).config.ingestMaxRetries;
    expect([retries("-3"), retries("1000"), retries("0")]).toEqual([0, 100, 0]);
  });

  it("drops a bad per-workspace retention entry (that workspace keeps the global window)", () => {
    const { config, issues } = parseConfig({
      EVENT_RETENTION_DAYS: "60",
      WORKSPACE_EVENT_RETENTION_DAYS: '{"ok":10,"bad":0,"worse":true}',
    });
    expect(config.workspaceEventRetentionDays).toEqual(new Map([["ok", 10]]));
    expect(issues.map((i) => i.setting)).toEqual([
      'WORKSPACE_EVENT_RETENTION_DAYS["bad"]',
      'WORKSPACE_EVENT_RETENTION_DAYS["worse"]',
    ]);
    const notJson = parseConfig({ WORKSPACE_EVENT_RETENTION_DAYS: "{ws:1}" });
    expect(notJson.config.workspaceEventRetentionDays.size).toBe(0);
    expect(notJson.issues[0]?.message).toBe(
      "WORKSPACE_EVENT_RETENTION_DAYS: expected a JSON object of workspace → days; using 90 days for every workspace",
    );
  });

  it("is parsed once per env object", () => {
    const env = { IDENTITY_CHUNK_EVENTS: "7" };
    expect(configOf(env)).toBe(configOf(env));
    expect(configOf(env).identityChunkEvents).toBe(7);
    expect(configOf({ IDENTITY_CHUNK_EVENTS: "8" }).identityChunkEvents).toBe(8);
  });
});
