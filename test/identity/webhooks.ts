import { env } from "cloudflare:test";
import { createSource, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

/** A Standard Webhooks secret (whsec_ + base64 of 32 bytes). */
const SECRET = `whsec_${btoa("tributary-identity-test-key-0032")}`;

/** A Standard Webhooks source in `workspace` whose payload fields map to identifiers and a trait. */
export async function identitySource(workspace: string, defaultRegion?: string): Promise<string> {
  const source = await createSource({
    type: "standard-webhooks",
    secret: SECRET,
    workspace,
    mapping: {
      eventType: "=identity.test",
      identifiers: {
        user_id: "$.user_id",
        device_id: "$.device_id",
        email: "$.email",
        phone: "$.phone",
        crm_id: "$.crm_id",
      },
      traits: { name: "$.name" },
      properties: {},
    },
    ...(defaultRegion ? { defaultRegion } : {}),
  });
  return source.id;
}

/** Signs and posts `payload` to the source; throws unless 202. */
export async function send(sourceId: string, payload: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await deliver(sourceId, body, standardWebhooksHeaders(SECRET, body));
  if (response.status !== 202) throw new Error(`delivery: ${response.status} ${await response.text()}`);
}

/** Waits until the workspace has `count` stored events (the queue consumer runs after the 202). */
export function storedEvents(workspace: string, count: number): Promise<number> {
  return eventually(async () => {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE workspace = ?")
      .bind(workspace)
      .first<{ n: number }>();
    return (row?.n ?? 0) >= count ? row!.n : undefined;
  }, 20_000);
}

/** Stored events of the workspace with their profile, identifiers and warnings. */
export async function storedEventRows(
  workspace: string,
): Promise<{ profile_id: string; identifiers: { type: string; value: string }[]; warnings: string[] }[]> {
  const { results } = await env.DB.prepare(
    "SELECT profile_id, identifiers, warnings FROM events WHERE workspace = ?",
  )
    .bind(workspace)
    .all<{ profile_id: string; identifiers: string; warnings: string }>();
  return results.map((r) => ({
    profile_id: r.profile_id,
    identifiers: JSON.parse(r.identifiers),
    warnings: JSON.parse(r.warnings),
  }));
}
