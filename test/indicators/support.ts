import { env } from "cloudflare:test";
import type { CanonicalEvent } from "../../src/events/event";
import { resolverFor } from "../../src/identity/resolver";
import type { Env } from "../../src/lib/env";
import type { Profile } from "../../src/routes/admin/profile-schemas";
import { createIndicator } from "../enrichment/support";
import { admin } from "../support/gateway";

/** A canonical event as a mapping would produce it (source `src_test`). `at` is epoch ms. */
export function orderEvent(
  workspace: string,
  key: string,
  fields: { at: number; email?: string; phone?: string; amount?: number; model?: string; type?: string },
): CanonicalEvent {
  const identifiers = [
    ...(fields.email ? [{ type: "email", value: fields.email }] : []),
    ...(fields.phone ? [{ type: "phone", value: fields.phone }] : []),
  ];
  const properties: Record<string, unknown> = {};
  if (fields.amount !== undefined) properties.amount = fields.amount;
  if (fields.model !== undefined) properties.model = fields.model;
  return {
    eventKey: key,
    workspace,
    sourceId: "src_test",
    deliveryId: `dlv_${key}`,
    type: fields.type ?? "order.completed",
    occurredAt: fields.at,
    receivedAt: Date.now(),
    identifiers,
    traits: {},
    properties,
    warnings: [],
  };
}

/** Applies events through the workspace's IdentityResolver, as the queue consumer does. */
export async function apply(workspace: string, events: CanonicalEvent[]) {
  const resolver = resolverFor(env as unknown as Env, workspace);
  const results = await resolver.apply(events);
  await resolver.awaitProjection();
  return results;
}

/** The profile owning `type:value`, straight from the admin API (null when none). */
export async function profileBy(workspace: string, type: string, value: string): Promise<Profile | null> {
  const response = await admin(
    `/v1/admin/profiles?workspace=${workspace}&identifier=${encodeURIComponent(`${type}:${value}`)}`,
  );
  return response.status === 200 ? ((await response.json()) as Profile) : null;
}

/** Indicator name → value of a profile. */
export function valuesOf(profile: Profile): Record<string, unknown> {
  return Object.fromEntries(Object.entries(profile.indicators).map(([name, v]) => [name, v.value]));
}

/** Indicators over `order.completed` events, by name: what each computes. */
const ORDER_INDICATORS = {
  orders: { aggregate: "count" },
  revenue: { aggregate: "sum", field: "properties.amount" },
  smallest: { aggregate: "min", field: "properties.amount" },
  average: { aggregate: "average", field: "properties.amount" },
  first_model: { aggregate: "first", field: "properties.model" },
  last_model: { aggregate: "last", field: "properties.model" },
  models: { aggregate: "distinct_count", field: "properties.model" },
} as const;

/** Defines the named {@link ORDER_INDICATORS} in `workspace`, one after another in the order given. */
export async function defineOrderIndicators(
  workspace: string,
  names: readonly (keyof typeof ORDER_INDICATORS)[],
): Promise<void> {
  for (const name of names)
    await createIndicator({ workspace, eventTypes: ["order.completed"], name, ...ORDER_INDICATORS[name] });
}
