import { describe, expect, it } from "vitest";
import { createApp } from "../../src/lib/app";

describe("createApp: every answer carries its request id", () => {
  const app = createApp();
  app.get("/json", (c) => c.json({ ok: true }, 202));
  // Response.redirect's headers are immutable (Fetch standard), as a response passed through from a fetch.
  app.get("/redirect", () => Response.redirect("https://example.com/elsewhere", 302));
  app.get("/fails", () => {
    throw new Error("boom");
  });

  it("on a response the handler built, with its own headers and body intact", async () => {
    const response = await app.request("/json");
    expect(response.status).toBe(202);
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("on the handler's own Response object, not a copy of it", async () => {
    const made = new Response("kept", { status: 201 });
    const own = createApp();
    own.get("/same", () => made);
    const response = await own.request("/same");
    expect(response).toBe(made);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await response.text()).toBe("kept");
  });

  it("on a response whose headers cannot be changed in place", async () => {
    const response = await app.request("/redirect");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/elsewhere");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("on an error's problem response, the same id as in its body", async () => {
    const response = await app.request("/fails");
    expect(response.status).toBe(500);
    const problem = (await response.json()) as { requestId: string };
    expect(response.headers.get("x-request-id")).toBe(problem.requestId);
  });

  it("a new id per request", async () => {
    const [a, b] = await Promise.all([app.request("/json"), app.request("/json")]);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });
});
