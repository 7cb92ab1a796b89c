import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
  createExtension,
  createIndicator,
  deviceSource,
  freshWorkspace,
  profileWhen,
  send,
  WARRANTY_URL,
} from "../enrichment/support";
import { mockServer } from "../support/msw";

const server = mockServer();

describe("indicators in extension conditions", () => {
  it("an extension can apply only to customers whose indicator passed a threshold (values before the event)", async () => {
    const workspace = freshWorkspace();
    const calledFor: unknown[] = [];
    server.use(
      http.post(WARRANTY_URL, async ({ request }) => {
        const { event } = (await request.json()) as { event: { properties: { serial: string } } };
        calledFor.push(event.properties.serial);
        return HttpResponse.json({ traits: { loyal: true } });
      }),
    );
    const source = await deviceSource(workspace);
    await createIndicator({ workspace, name: "usage_hours", aggregate: "sum", field: "properties.hours" });
    await createExtension({
      workspace,
      match: { conditions: [{ field: "indicators.usage_hours", op: "gte", value: 10_000 }] },
    });

    await send(source, { email: "uma@example.com", serial: "S1", hours: 6_000 });
    await profileWhen(workspace, "uma@example.com", (p) => p.indicators.usage_hours?.value === 6_000);
    await send(source, { email: "uma@example.com", serial: "S2", hours: 4_000 });
    await profileWhen(workspace, "uma@example.com", (p) => p.indicators.usage_hours?.value === 10_000);
    await send(source, { email: "uma@example.com", serial: "S3", hours: 1 });
    const profile = await profileWhen(workspace, "uma@example.com", (p) => p.traits.loyal === true);

    expect(calledFor).toEqual(["S3"]);
    expect(profile.indicators.usage_hours?.value).toBe(10_001);
  });
});
