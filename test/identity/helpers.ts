import { env } from "cloudflare:test";
import type { CanonicalEvent } from "../../src/events/event";
import { resolverFor } from "../../src/identity/resolver";
import type { IdentityRulesInput } from "../../src/identity/rules";
import { admin } from "../support/gateway";

/** A fresh workspace name: tests share one D1, so each test works in its own workspace. */
export function freshWorkspace(prefix = "id"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 12)}`;
}

/** T from the cases' conventions: 2026-11-29T12:00:00Z, epoch ms. */
export const T = 1_795_953_600_000;

/** A canonical event for `workspace` carrying `identifiers` ([type, value] pairs). */
export function event(
  workspace: string,
  key: string,
  identifiers: [string, string][],
  options: {
    occurredAt?: number;
    traits?: Record<string, unknown>;
    sourceId?: string;
    defaultRegion?: string;
    deliveryId?: string;
  } = {},
): CanonicalEvent {
  return {
    eventKey: key,
    workspace,
    sourceId: options.sourceId ?? "src_identity_test",
    deliveryId: options.deliveryId ?? `dlv_${key}`,
    type: "test.event",
    occurredAt: options.occurredAt ?? T,
    receivedAt: T,
    identifiers: identifiers.map(([type, value]) => ({ type, value })),
    traits: options.traits ?? {},
    properties: {},
    warnings: [],
    ...(options.defaultRegion ? { defaultRegion: options.defaultRegion } : {}),
  };
}

/**
 * Applies events through the workspace's real IdentityResolver Durable Object, then waits for their
 * projection to D1 (which the tests read), as the queue consumer does.
 */
export async function apply(workspace: string, events: CanonicalEvent[]) {
  const results = await resolverFor(env, workspace).apply(events);
  await awaitProjection(workspace);
  return results;
}

/** Waits until everything the workspace's resolver committed is in D1 (reads of D1 are eventually consistent). */
export function awaitProjection(workspace: string) {
  return resolverFor(env, workspace).awaitProjection();
}

/** The workspace's live grouping: each profile's identifiers as sorted `type:value`, profiles sorted. */
export async function grouping(workspace: string): Promise<string[][]> {
  const { results } = await env.DB.prepare(
    "SELECT profile_id, type, value FROM identifiers WHERE workspace = ? ORDER BY type, value",
  )
    .bind(workspace)
    .all<{ profile_id: string; type: string; value: string }>();
  const byProfile = new Map<string, string[]>();
  for (const r of results)
    byProfile.set(r.profile_id, [...(byProfile.get(r.profile_id) ?? []), `${r.type}:${r.value}`]);
  return [...byProfile.values()].map((ids) => ids.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Live profiles of the workspace. */
export async function liveProfileCount(workspace: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM profiles WHERE workspace = ? AND merged_into IS NULL",
  )
    .bind(workspace)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Replaces the workspace's identity rules through the admin API; throws unless 200. */
export async function setRules(workspace: string, rules: IdentityRulesInput): Promise<void> {
  const response = await admin(`/v1/admin/workspaces/${workspace}/identity-rules`, {
    method: "PUT",
    json: rules,
  });
  if (response.status !== 200) throw new Error(`set rules: ${response.status} ${await response.text()}`);
}

/** Reads an admin route as JSON; throws unless `status` (default 200). */
export async function adminJson<T>(path: string, status = 200): Promise<T> {
  const response = await admin(path);
  if (response.status !== status) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
