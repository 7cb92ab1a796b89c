import { SELF } from "cloudflare:test";
import RudderAnalytics from "@rudderstack/rudder-sdk-node";
import { Analytics, FetchHTTPClient } from "@segment/analytics-node";
import type { StoredEvent } from "../../src/routes/admin/profile-schemas";
import type { SourceView } from "../../src/routes/admin/source-schemas";
import type { CreatedWriteKey } from "../../src/routes/admin/write-key-schemas";
import { admin, call, eventually, profileFor } from "../support/gateway";

/** The gateway's origin as SDKs are configured with it. */
export const HOST = "https://gateway.test";

/** A value unique to this test run, so tests sharing D1 never see each other's identifiers. */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Creates an `app` source (no secret: app sources use write keys). Throws unless 201. */
export async function createAppSource(workspace = "default"): Promise<SourceView> {
  const response = await admin("/v1/admin/sources", {
    json: { name: unique("app"), type: "app", workspace },
  });
  if (response.status !== 201)
    throw new Error(`create app source: ${response.status} ${await response.text()}`);
  return (await response.json()) as SourceView;
}

/** Creates a write key for `sourceId` through the admin API. Throws unless 201. */
export async function createWriteKey(sourceId: string, name = "test"): Promise<CreatedWriteKey> {
  const response = await admin(`/v1/admin/sources/${sourceId}/write-keys`, { json: { name } });
  if (response.status !== 201)
    throw new Error(`create write key: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedWriteKey;
}

/** An app source with one write key. */
export async function appWithKey(workspace = "default"): Promise<{ source: SourceView; writeKey: string }> {
  const source = await createAppSource(workspace);
  return { source, writeKey: (await createWriteKey(source.id)).writeKey };
}

/** Basic credentials as Segment SDKs send them: the write key as user name, empty password. */
export function basicAuth(writeKey: string): string {
  return `Basic ${btoa(`${writeKey}:`)}`;
}

/** POSTs `body` (JSON-encoded unless already a string/bytes) to an event-API path. */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

/**
 * The official Segment Node SDK pointed at the test gateway. Its own FetchHTTPClient is kept; only
 * the fetch function is swapped for SELF.fetch, the test pool's way into the Worker.
 */
export function segmentClient(writeKey: string): Analytics {
  return new Analytics({
    writeKey,
    host: HOST,
    maxRetries: 0,
    flushInterval: 60_000,
    httpClient: new FetchHTTPClient((url, init) => SELF.fetch(url, init)),
  });
}

/**
 * The official RudderStack Node SDK pointed at the test gateway, with its defaults (gzip on). axios
 * runs its own fetch adapter; only the fetch function is SELF.fetch.
 */
export function rudderClient(writeKey: string): RudderAnalytics {
  return new RudderAnalytics(writeKey, {
    dataPlaneUrl: HOST,
    flushInterval: 60_000,
    retryCount: 0,
    logLevel: "error",
    axiosConfig: {
      adapter: "fetch",
      env: { fetch: (input: RequestInfo, init?: RequestInit) => SELF.fetch(new Request(input, init)) },
    },
  });
}

/** The events of profile `profileId`, newest first. */
export async function eventsOf(profileId: string): Promise<StoredEvent[]> {
  const response = await admin(`/v1/admin/profiles/${profileId}/events`);
  if (response.status !== 200) throw new Error(`events: ${response.status}`);
  return ((await response.json()) as { data: StoredEvent[] }).data;
}

/**
 * Waits until the profile owning identifier `type:value` has an event of `eventType`, and returns it.
 * The profile is looked up afresh each time: a merge may change which profile owns the identifier.
 */
export function eventOf(
  type: string,
  value: string,
  eventType: string,
  workspace = "default",
): Promise<StoredEvent> {
  return eventually(async () => {
    const profile = await profileFor(type, value, workspace);
    return (await eventsOf(profile.id)).find((e) => e.type === eventType);
  });
}
