import { afterEach, describe, expect, it, vi } from "vitest";
import { mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { deliver } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

afterEach(() => vi.restoreAllMocks());

describe("structured logs", () => {
  it("stamp every line of a request with the request id its answer carries", async () => {
    const source = await mappedSource(workspaceName("logs"));
    const lines: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void lines.push(String(line)));
    const forged = {
      ...standardWebhooksHeaders(WHSEC, "{}"),
      "webhook-signature": `v1,${btoa("z".repeat(32))}`,
    };
    const response = await deliver(source.id, "{}", forged);
    expect(response.status).toBe(401);
    const problem = (await response.json()) as { requestId: string };
    expect(problem.requestId).toBe(response.headers.get("x-request-id"));
    const rejected = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === "delivery_rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ level: "warn", requestId: problem.requestId, sourceId: source.id });
  });
});
