import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { CreateExtension, ExtensionView } from "../../src/routes/admin/extensions/schemas";
import type { IndicatorView } from "../../src/routes/admin/indicators/schemas";
import type { Profile } from "../../src/routes/admin/profile-schemas";
import type { SourceView } from "../../src/routes/admin/source-schemas";
import { admin, createSource, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

/** Secret of the test device sources (Standard Webhooks). */
export const SOURCE_SECRET = `whsec_${btoa("device-source-secret-0123456789")}`;
/** Secret we sign extension calls with (Standard Webhooks). */
export const EXTENSION_SECRET = `whsec_${btoa("extension-signing-secret-0123")}`;
/** Extension endpoints live here; msw answers them. */
export const WARRANTY_URL = "https://warranty.example.test/enrich";

let counter = 0;

/** A workspace of its own per test, so cached settings and stored data never leak between tests. */
export function freshWorkspace(prefix = "ws"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** A device payload as the test source sends it. `at` is ISO-8601; `id` is the delivery id. */
export interface DevicePayload {
  id?: string;
  type?: string;
  at?: string;
  email?: string;
  phone?: string;
  serial?: string;
  hours?: number | string;
  model?: string;
  amount?: number | string;
  name?: string;
}

/** A Standard Webhooks source whose mapping reads {@link DevicePayload}. */
export function deviceSource(workspace: string): Promise<SourceView> {
  return createSource({
    type: "standard-webhooks",
    secret: SOURCE_SECRET,
    workspace,
    mapping: {
      eventType: "$.type",
      occurredAt: "$.at",
      identifiers: { email: "$.email", phone: "$.phone" },
      traits: { name: "$.name" },
      properties: { serial: "$.serial", hours: "$.hours", model: "$.model", amount: "$.amount" },
    },
  });
}

/** Delivers one signed payload (webhook-id = `payload.id`, so a re-send is a sender's duplicate). */
export async function send(source: SourceView, payload: DevicePayload): Promise<void> {
  const body = JSON.stringify({ type: "device.usage", at: new Date().toISOString(), ...payload });
  const id = payload.id ?? `msg_${crypto.randomUUID()}`;
  const response = await deliver(source.id, body, standardWebhooksHeaders(SOURCE_SECRET, body, id));
  expect(response.status).toBe(202);
}

/** Creates an extension through the admin API; throws unless 201. */
export async function createExtension(
  input: Partial<CreateExtension> & { workspace: string },
): Promise<ExtensionView> {
  const response = await admin("/v1/admin/extensions", {
    json: {
      name: "warranty",
      mode: "sync",
      endpoint: WARRANTY_URL,
      auth: "standard-webhooks",
      secret: EXTENSION_SECRET,
      ...input,
    },
  });
  if (response.status !== 201)
    throw new Error(`create extension: ${response.status} ${await response.text()}`);
  return (await response.json()) as ExtensionView;
}

/** Creates an indicator definition through the admin API; throws unless 201. */
export async function createIndicator(input: Record<string, unknown>): Promise<IndicatorView> {
  const response = await admin("/v1/admin/indicators", { json: input });
  if (response.status !== 201)
    throw new Error(`create indicator: ${response.status} ${await response.text()}`);
  return (await response.json()) as IndicatorView;
}

/** Waits until the indicator's recompute is done. */
export function recomputed(indicatorId: string): Promise<IndicatorView> {
  return eventually(async () => {
    const view = (await (await admin(`/v1/admin/indicators/${indicatorId}`)).json()) as IndicatorView;
    return view.status === "current" ? view : undefined;
  });
}

/** The profile owning `email` in `workspace`, once `ready` holds for it. */
export function profileWhen(
  workspace: string,
  email: string,
  ready: (profile: Profile) => boolean = () => true,
): Promise<Profile> {
  return eventually(async () => {
    const response = await admin(
      `/v1/admin/profiles?workspace=${workspace}&identifier=${encodeURIComponent(`email:${email}`)}`,
    );
    if (response.status !== 200) return undefined;
    const profile = (await response.json()) as Profile;
    return ready(profile) ? profile : undefined;
  });
}

/** A stored event as the tests read it back. */
export interface StoredEvent {
  id: string;
  type: string;
  profileId: string;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  warnings: string[];
}

/** Stored events of `workspace`, oldest first by event time. */
export async function storedEvents(workspace: string): Promise<StoredEvent[]> {
  const { results } = await env.DB.prepare(
    "SELECT id, type, profile_id, properties, traits, warnings FROM events WHERE workspace = ? ORDER BY occurred_at, id",
  )
    .bind(workspace)
    .all<{
      id: string;
      type: string;
      profile_id: string;
      properties: string;
      traits: string;
      warnings: string;
    }>();
  return results.map((r) => ({
    id: r.id,
    type: r.type,
    profileId: r.profile_id,
    properties: JSON.parse(r.properties),
    traits: JSON.parse(r.traits),
    warnings: JSON.parse(r.warnings),
  }));
}

/** Resolves once `n` events of `workspace` are stored. */
export function storedCount(workspace: string, n: number) {
  return eventually(async () => {
    const events = await storedEvents(workspace);
    return events.length >= n ? events : undefined;
  });
}

/** A promise with its resolve handle, to hold an msw answer until the test releases it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
