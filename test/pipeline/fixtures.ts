import { env } from "cloudflare:test";
import type { Mapping } from "../../src/sources/config";
import { admin, createSource } from "../support/gateway";

/** A Standard Webhooks secret (whsec_ + base64 of 32 bytes). */
export const WHSEC = `whsec_${btoa("tributary-pipeline-test-key-0032")}`;

/** The mapping the pipeline tests use: identifiers, two traits and the event's own timestamp. */
export const TEST_MAPPING: Mapping = {
  eventType: "$.type",
  occurredAt: "$.timestamp",
  identifiers: { email: "$.email", user_id: "$.user_id" },
  traits: { plan: "$.plan", name: "$.name" },
  properties: { n: "$.n" },
};

/** Creates a Standard Webhooks source with {@link TEST_MAPPING} in `workspace`. */
export async function mappedSource(workspace: string, extra: Record<string, unknown> = {}) {
  const source = await createSource({
    type: "standard-webhooks",
    secret: WHSEC,
    workspace,
    mapping: TEST_MAPPING,
    ...extra,
  });
  return { id: source.id, workspace, type: "standard-webhooks" as const };
}

/** A unique, valid workspace name. */
export function workspaceName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Stored events of a workspace, by event key → row count. */
export async function eventCounts(workspace: string): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT event_key, count(*) AS n FROM events WHERE workspace = ? GROUP BY event_key",
  )
    .bind(workspace)
    .all<{ event_key: string; n: number }>();
  return new Map(results.map((r) => [r.event_key, r.n]));
}

/** Dead letters by delivery id. */
export async function deadLettersByDelivery(): Promise<
  Map<string, { reason: string; attempts: number; message: unknown; detail: string | null }>
> {
  const { results } = await env.DB.prepare(
    "SELECT delivery_id, reason, attempts, message, detail FROM dead_letters WHERE delivery_id IS NOT NULL",
  ).all<{ delivery_id: string; reason: string; attempts: number; message: string; detail: string | null }>();
  return new Map(
    results.map((r) => [
      r.delivery_id,
      { reason: r.reason, attempts: r.attempts, message: JSON.parse(r.message), detail: r.detail },
    ]),
  );
}

/** The delivery log row of a delivery, through the admin API. */
export async function deliveryLogRow(
  sourceId: string,
  deliveryId: string,
): Promise<{ status: string; reason: string | null } | undefined> {
  const response = await admin(`/v1/admin/deliveries?sourceId=${sourceId}&limit=500`);
  const page = (await response.json()) as { data: { id: string; status: string; reason: string | null }[] };
  return page.data.find((d) => d.id === deliveryId);
}
