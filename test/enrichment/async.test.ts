import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { workspaceDb } from "../../src/db/workspace-db";
import { planJobs, runDueJobs } from "../../src/enrichment/async-jobs";
import type { CallOutcome } from "../../src/enrichment/external-system";
import { ExtensionStore } from "../../src/enrichment/store";
import { mockServer } from "../support/msw";
import {
  createExtension,
  deferred,
  deviceSource,
  EXTENSION_SECRET,
  freshWorkspace,
  profileWhen,
  send,
  storedEvents,
  WARRANTY_URL,
} from "./support";

const server = mockServer();

describe("async extensions", () => {
  it("store the event first, show the enrichment as pending on the profile, then fill it in when the system answers", async () => {
    const workspace = freshWorkspace();
    const gate = deferred();
    const webhookIds: string[] = [];
    server.use(
      http.post(WARRANTY_URL, async ({ request }) => {
        const body = await request.text();
        new Webhook(EXTENSION_SECRET).verify(body, Object.fromEntries(request.headers));
        webhookIds.push(request.headers.get("webhook-id")!);
        await gate.promise;
        return HttpResponse.json({
          traits: { warranty_plan: "extended-5y" },
          properties: { contract_id: "WC-123ABC" },
        });
      }),
    );
    const source = await deviceSource(workspace);
    const extension = await createExtension({
      workspace,
      mode: "async",
      timeoutMs: 20_000,
      provides: ["warranty_plan", "contract_id"],
    });

    await send(source, { email: "hal@example.com", serial: "123ABC", hours: 10_000 });

    // The profile reaches D1 (the resolver's projection) before the consumer plans its async jobs.
    const pending = await profileWhen(workspace, "hal@example.com", (p) => p.pendingEnrichments.length > 0);
    expect(pending.traits.warranty_plan).toBeUndefined();
    expect(pending.pendingEnrichments).toEqual([
      expect.objectContaining({
        extensionId: extension.id,
        extension: "warranty",
        provides: ["warranty_plan", "contract_id"],
      }),
    ]);
    expect((await storedEvents(workspace))[0]!.properties.contract_id).toBeUndefined();

    gate.resolve();
    const filled = await profileWhen(workspace, "hal@example.com", (p) => p.pendingEnrichments.length === 0);
    expect(filled.traits.warranty_plan).toBe("extended-5y");
    const [event] = await storedEvents(workspace);
    expect(event!.properties).toMatchObject({ serial: "123ABC", contract_id: "WC-123ABC" });
    expect(event!.traits).toMatchObject({ warranty_plan: "extended-5y" });
    expect(webhookIds).toHaveLength(1);
  });

  it("are retried until the system answers, under the same webhook-id", async () => {
    const workspace = freshWorkspace();
    const webhookIds: string[] = [];
    server.use(
      http.post(WARRANTY_URL, ({ request }) => {
        webhookIds.push(request.headers.get("webhook-id")!);
        return webhookIds.length === 1
          ? new HttpResponse(null, { status: 503 })
          : HttpResponse.json({ traits: { warranty_plan: "basic" } });
      }),
    );
    const source = await deviceSource(workspace);
    await createExtension({ workspace, mode: "async", provides: ["warranty_plan"] });

    await send(source, { email: "ivy@example.com", serial: "I1" });

    const waiting = await profileWhen(
      workspace,
      "ivy@example.com",
      (p) => p.pendingEnrichments[0]?.attempts === 1,
    );
    expect(waiting.pendingEnrichments[0]!.lastError).toBe("http_status: answered HTTP 503");
    const filled = await profileWhen(workspace, "ivy@example.com", (p) => p.pendingEnrichments.length === 0);
    expect(filled.traits.warranty_plan).toBe("basic");
    expect(webhookIds).toHaveLength(2);
    expect(webhookIds[1]).toBe(webhookIds[0]);
  });

  it("outrank the event's own value of a trait, but not a newer event's", async () => {
    const workspace = freshWorkspace();
    const gate = deferred();
    server.use(
      http.post(WARRANTY_URL, async () => {
        await gate.promise;
        return HttpResponse.json({ traits: { name: "Ida (verified)" } });
      }),
    );
    const source = await deviceSource(workspace);
    await createExtension({
      workspace,
      mode: "async",
      timeoutMs: 20_000,
      match: { eventTypes: ["device.registered"], conditions: [] },
    });

    const jan = "2024-01-01T00:00:00Z";
    await send(source, { email: "ida@example.com", name: "Ida", type: "device.registered", at: jan });
    await send(source, { email: "jo@example.com", name: "Jo", type: "device.registered", at: jan });
    await send(source, {
      email: "jo@example.com",
      name: "Jo B.",
      type: "device.usage",
      at: "2024-02-01T00:00:00Z",
    });
    await profileWhen(workspace, "ida@example.com", (p) => p.traits.name === "Ida");
    await profileWhen(workspace, "jo@example.com", (p) => p.traits.name === "Jo B.");

    gate.resolve();
    const ida = await profileWhen(workspace, "ida@example.com", (p) => p.pendingEnrichments.length === 0);
    const jo = await profileWhen(workspace, "jo@example.com", (p) => p.pendingEnrichments.length === 0);
    expect(ida.traits.name).toBe("Ida (verified)");
    expect(jo.traits.name).toBe("Jo B.");
  });

  it("call the system once for a due job that two runs pick up at the same time", async () => {
    const workspace = freshWorkspace();
    const view = await createExtension({ workspace, mode: "async", provides: ["warranty_plan"] });
    const db = workspaceDb(env, workspace);
    const extension = (await new ExtensionStore(db, env.SECRETS_KEY).get(view.id))!;
    const now = Date.now();
    // Planned without a wake, so no alarm of the ExternalSystem runs this job besides the two runs below.
    await planJobs(
      db,
      [
        {
          extension,
          event: {
            eventKey: "k-claim",
            workspace,
            sourceId: "src_claim",
            deliveryId: "dlv_claim",
            type: "device.usage",
            occurredAt: now,
            receivedAt: now,
            identifiers: [{ type: "email", value: "kim@example.com" }],
            traits: {},
            properties: {},
            warnings: [],
          },
        },
      ],
      now,
    );
    const gate = deferred();
    let calls = 0;
    const call = async (): Promise<CallOutcome> => {
      calls += 1;
      await gate.promise;
      return { ok: false, failure: "http_status", detail: "answered HTTP 503" };
    };

    const first = runDueJobs(env, workspace, extension.system, call, now);
    const second = runDueJobs(env, workspace, extension.system, call, now);
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.resolve();
    await Promise.all([first, second]);

    expect(calls).toBe(1);
    const job = await db
      .prepare("SELECT attempts, last_error FROM extension_jobs WHERE workspace = ?")
      .bind(workspace)
      .first<{ attempts: number; last_error: string }>();
    expect(job).toEqual({ attempts: 1, last_error: "http_status: answered HTTP 503" });
  });
});
