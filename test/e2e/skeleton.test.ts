import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { createSource, deliver, profileFor } from "../support/gateway";

describe("walking skeleton", () => {
  it("a signed GitHub delivery becomes a profile", async () => {
    const source = await createSource({ type: "github", secret: "gh-secret-0123456789" });
    const body = JSON.stringify({ action: "opened", sender: { id: 42, login: "octocat" } });
    const signature = await sign("gh-secret-0123456789", body);
    const response = await deliver(source.id, body, {
      "x-hub-signature-256": signature,
      "x-github-event": "issues",
      "x-github-delivery": "d-1",
    });
    expect(response.status).toBe(202);
    const profile = await profileFor("github_user_id", "42");
    expect(profile.identifiers).toContainEqual({ type: "github_login", value: "octocat" });
  });
});
