import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { admin, eventually } from "../support/gateway";
import { mockServer } from "../support/msw";
import {
  createExtension,
  deviceSource,
  EXTENSION_SECRET,
  freshWorkspace,
  profileWhen,
  send,
  storedCount,
  storedEvents,
  WARRANTY_URL,
} from "./support";

const server = mockServer();

interface ExtensionRequest {
  type: string;
  workspace: string;
  extension: { id: string; name: string };
  event: { key: string; type: string; properties: Record<string, unknown>; traits: Record<string, unknown> };
}

describe("sync extensions", () => {
  it("enrich the event before it is stored, over a request the receiver verifies with the Standard Webhooks library", async () => {
    const workspace = freshWorkspace();
    const seen: ExtensionRequest[] = [];
    server.use(
      http.post(WARRANTY_URL, async ({ request }) => {
        const body = await request.text();
        // Throws unless the signature, id and timestamp are valid for our secret.
        const verified = new Webhook(EXTENSION_SECRET).verify(
          body,
          Object.fromEntries(request.headers),
        ) as ExtensionRequest;
        seen.push(verified);
        return HttpResponse.json({
          traits: { warranty_plan: "extended-5y" },
          properties: { contract_id: `WC-${verified.event.properties.serial}` },
        });
      }),
    );
    const source = await deviceSource(workspace);
    await createExtension({ workspace, match: { eventTypes: ["device.*"], conditions: [] } });

    await send(source, { email: "ada@example.com", serial: "123ABC", hours: 10_000 });

    const profile = await profileWhen(workspace, "ada@example.com");
    expect(profile.traits.warranty_plan).toBe("extended-5y");
    const [event] = await storedEvents(workspace);
    expect(event!.properties).toMatchObject({ serial: "123ABC", hours: 10_000, contract_id: "WC-123ABC" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: "tributary.extension.request",
      workspace,
      event: { type: "device.usage" },
    });
  });

  it("reject an event: it is not stored, and the rejection is listed with its reason", async () => {
    const workspace = freshWorkspace();
    const authorizations: (string | null)[] = [];
    server.use(
      http.post(WARRANTY_URL, async ({ request }) => {
        authorizations.push(request.headers.get("authorization"));
        const { event } = (await request.json()) as ExtensionRequest;
        return event.properties.serial === "STOLEN-1"
          ? HttpResponse.json({ action: "reject", reason: "serial reported stolen" })
          : new HttpResponse(null, { status: 204 });
      }),
    );
    const source = await deviceSource(workspace);
    const extension = await createExtension({ workspace, auth: "bearer", secret: "bearer-token-0123456789" });

    await send(source, { email: "bob@example.com", serial: "STOLEN-1", type: "device.usage" });
    const rejections = await eventually(async () => {
      const body = (await (await admin(`/v1/admin/extensions/${extension.id}/rejections`)).json()) as {
        data: { reason: string; eventType: string }[];
      };
      return body.data.length > 0 ? body.data : undefined;
    });
    expect(rejections).toEqual([
      expect.objectContaining({ reason: "serial reported stolen", eventType: "device.usage" }),
    ]);

    await send(source, { email: "bob@example.com", serial: "OK-2", type: "device.usage" });
    const events = await storedCount(workspace, 1);
    expect(events.map((e) => e.properties.serial)).toEqual(["OK-2"]);
    expect(authorizations).toEqual(["Bearer bearer-token-0123456789", "Bearer bearer-token-0123456789"]);
  });

  it("are called only for matching events, in order, each seeing the previous enrichment", async () => {
    const workspace = freshWorkspace();
    const calls: string[] = [];
    server.use(
      http.post("https://first.example.test/x", async ({ request }) => {
        const { event } = (await request.json()) as ExtensionRequest;
        calls.push(`first:${event.properties.serial}`);
        return HttpResponse.json({ properties: { region: "eu" } });
      }),
      http.post("https://second.example.test/x", async ({ request }) => {
        const { event } = (await request.json()) as ExtensionRequest;
        calls.push(`second:${event.properties.serial}:${event.properties.region}`);
        return HttpResponse.json({ traits: { tier: event.properties.region === "eu" ? "eu-gold" : "none" } });
      }),
    );
    const source = await deviceSource(workspace);
    await createExtension({
      workspace,
      name: "second",
      endpoint: "https://second.example.test/x",
      position: 2,
      match: { conditions: [{ field: "properties.region", op: "exists" }] },
    });
    await createExtension({
      workspace,
      name: "first",
      endpoint: "https://first.example.test/x",
      position: 1,
      match: {
        eventTypes: ["device.usage"],
        conditions: [{ field: "properties.hours", op: "gte", value: 100 }],
      },
    });

    await send(source, { email: "cy@example.com", serial: "S1", hours: 50 });
    await send(source, { email: "cy@example.com", serial: "S2", hours: "150" });
    await send(source, { email: "cy@example.com", serial: "S3", hours: 500, type: "device.setup" });

    const profile = await profileWhen(workspace, "cy@example.com", (p) => p.traits.tier !== undefined);
    await storedCount(workspace, 3);
    expect(profile.traits.tier).toBe("eu-gold");
    expect(calls).toEqual(["first:S2", "second:S2:eu"]);
  });

  it("are not called again for a delivery the sender repeats", async () => {
    const workspace = freshWorkspace();
    let calls = 0;
    server.use(
      http.post(WARRANTY_URL, () => {
        calls += 1;
        return HttpResponse.json({ traits: { warranty_plan: "basic" } });
      }),
    );
    const source = await deviceSource(workspace);
    await createExtension({ workspace });
    await send(source, { id: "msg_same_delivery", email: "di@example.com", serial: "D1" });
    await profileWhen(workspace, "di@example.com");
    await send(source, { id: "msg_same_delivery", email: "di@example.com", serial: "D1" });
    // The repeat is settled (logged as a duplicate) once its delivery row exists.
    await eventually(async () => {
      const row = await env.DB.prepare(
        "SELECT count(*) AS n FROM deliveries WHERE source_id = ? AND processed_at IS NOT NULL",
      )
        .bind(source.id)
        .first<{ n: number }>();
      return (row?.n ?? 0) >= 2 ? true : undefined;
    });
    expect(calls).toBe(1);
    expect(await storedEvents(workspace)).toHaveLength(1);
  });
});
