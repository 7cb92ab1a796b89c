import { env, SELF } from "cloudflare:test";
import type { Profile } from "../../src/routes/admin/profile-schemas";
import type { CreateSourceInput, SourceView } from "../../src/routes/admin/source-schemas";

/** The admin token the test pool binds (vitest.config.ts). */
export const ADMIN_TOKEN = "test-admin-token";

/** Calls the Worker like a client: `path` under https://gateway.test. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`https://gateway.test${path}`, init);
}

/** Calls an admin route with the bearer token and an optional JSON body. */
export function admin(
  path: string,
  init: { method?: string; json?: unknown; token?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? ADMIN_TOKEN}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  return call(path, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

/** Creates a source through the admin API and returns it. Throws unless the answer is 201. */
export async function createSource(
  input: Partial<CreateSourceInput> & Pick<CreateSourceInput, "type" | "secret">,
): Promise<SourceView> {
  const response = await admin("/v1/admin/sources", { json: { name: `test ${input.type}`, ...input } });
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`);
  return (await response.json()) as SourceView;
}

/** Posts raw bytes to a source's ingest route. */
export function deliver(
  sourceId: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<Response> {
  return call(`/v1/sources/${sourceId}/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

/**
 * Waits until `probe` returns a value (not undefined), polling every 50 ms: the queue consumer runs
 * asynchronously after the 202. Throws after `timeoutMs`.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The profile owning `type:value`, once it exists. */
export function profileFor(type: string, value: string, workspace = "default"): Promise<Profile> {
  return eventually(async () => {
    const response = await admin(
      `/v1/admin/profiles?workspace=${workspace}&identifier=${encodeURIComponent(`${type}:${value}`)}`,
    );
    return response.status === 200 ? ((await response.json()) as Profile) : undefined;
  });
}

/** Number of stored events in the database (all workspaces). */
export async function storedEventCount(): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM events").first<{ n: number }>();
  return row?.n ?? 0;
}
