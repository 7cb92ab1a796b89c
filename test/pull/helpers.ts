import { env } from "cloudflare:test";
import { setupServer } from "msw/node";
import type { PollJobView } from "../../src/routes/admin/poll-job-schemas";
import type { CreateSourceInput, SourceView } from "../../src/routes/admin/source-schemas";
import { admin, eventually } from "../support/gateway";

/** The source API the tests' msw handlers answer for. No test reaches the network. */
export const API = "https://api.source.test";

/** One msw server for the whole test file: outbound fetches of the Worker (same isolate) are intercepted. */
export function interceptSourceApi(): ReturnType<typeof setupServer> {
  const server = setupServer();
  server.listen({ onUnhandledRequest: "error" });
  return server;
}

/** An API key long enough for the api-key scheme. */
export const API_KEY = "mk_test_pull_0123456789abcdef";

/** Creates a pulling source through the admin API. Throws unless 201. */
export async function createPullSource(input: Partial<CreateSourceInput>): Promise<SourceView> {
  const response = await admin("/v1/admin/sources", {
    json: { name: "pull test", type: "rest-poll", secret: API_KEY, ...input },
  });
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`);
  return (await response.json()) as SourceView;
}

/** A source's poll job as the admin API shows it. */
export async function pollJob(sourceId: string): Promise<PollJobView> {
  const response = await admin(`/v1/admin/sources/${sourceId}/poll-job`);
  if (response.status !== 200) throw new Error(`poll job: ${response.status} ${await response.text()}`);
  return (await response.json()) as PollJobView;
}

/** Starts a run through the admin API and waits until the job is no longer running. */
export async function runNow(sourceId: string): Promise<PollJobView> {
  const response = await admin(`/v1/admin/sources/${sourceId}/poll-job/run`, { method: "POST" });
  if (response.status !== 202) throw new Error(`run now: ${response.status} ${await response.text()}`);
  return settled(sourceId);
}

/** Waits until the job's run has ended or parked (status idle, failed or waiting). */
export function settled(sourceId: string): Promise<PollJobView> {
  return eventually(async () => {
    const job = await pollJob(sourceId);
    return job.status === "running" ? undefined : job;
  }, 20_000);
}

/** Event keys stored for a source, sorted. */
export async function storedKeys(sourceId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT event_key FROM events WHERE source_id = ? ORDER BY event_key",
  )
    .bind(sourceId)
    .all<{ event_key: string }>();
  return results.map((r) => r.event_key);
}

/** Waits until `count` events of the source are stored, then returns their keys. */
export function keysWhenStored(sourceId: string, count: number): Promise<string[]> {
  return eventually(async () => {
    const keys = await storedKeys(sourceId);
    return keys.length >= count ? keys : undefined;
  }, 20_000);
}
