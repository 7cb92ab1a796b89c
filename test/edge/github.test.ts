import { createHmac } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { createSource, deliver } from "../support/gateway";
import { describeSchemeContract } from "./support/contract";
import { githubHeaders, githubSha1Headers } from "./support/signers";

describeSchemeContract("GitHub", {
  type: "github",
  secrets: ["gh-contract-secret-a", "gh-contract-secret-b"],
  body: JSON.stringify({ zen: "Keep it logically awesome.", sender: { id: 7, login: "octo" } }),
  sign: (secret, body) => githubHeaders(secret, body),
  requiredHeaders: ["x-hub-signature-256"],
  timestamped: false,
  signature: { header: "x-hub-signature-256", pattern: /sha256=([0-9a-f]+)/, encoding: "hex" },
});

describe("GitHub: multibyte bodies and legacy sha1", () => {
  it("C02: GitHub's documented vector verifies", async () => {
    const secret = "It's a Secret to Everybody";
    const signature = await sign(secret, "Hello, World!");
    expect(signature).toBe("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    const source = await createSource({ type: "github", secret });
    const response = await deliver(source.id, "Hello, World!", {
      "content-type": "text/plain",
      "x-hub-signature-256": signature,
    });
    expect(response.status).toBe(202);
  });

  it("C02: an emoji body verifies over its UTF-8 bytes; an ASCII-forced digest is refused", async () => {
    const secret = "gh_test_b02";
    const body = '{"action":"opened","title":"Ship it 😀"}';
    expect(new TextEncoder().encode(body)).toHaveLength(42);
    const signature = await sign(secret, body);
    expect(signature).toBe("sha256=f41788da0a57637bc97146b2429d6d76e686e7273c91e1df244e08aed7848958");
    const source = await createSource({ type: "github", secret });
    expect((await deliver(source.id, body, { "x-hub-signature-256": signature })).status).toBe(202);
    const asciiForced = createHmac("sha256", secret).update(Buffer.from(body, "ascii")).digest("hex");
    const response = await deliver(source.id, body, { "x-hub-signature-256": `sha256=${asciiForced}` });
    expect(response.status).toBe(401);
  });

  it("legacy X-Hub-Signature (sha1) is accepted only when the source opts in", async () => {
    const secret = "gh-legacy-secret-01";
    const body = JSON.stringify({ zen: "legacy" });
    const optedIn = await createSource({ type: "github", secret, githubLegacySha1: true });
    const plain = await createSource({ type: "github", secret });
    expect((await deliver(optedIn.id, body, githubSha1Headers(secret, body))).status).toBe(202);
    const refused = await deliver(plain.id, body, githubSha1Headers(secret, body));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe("signature_missing");
    const wrongSha1 = await deliver(optedIn.id, body, githubSha1Headers("another-secret-01", body));
    expect(wrongSha1.status).toBe(401);
  });

  it("a failing sha256 signature never falls back to a valid sha1 one", async () => {
    const secret = "gh-legacy-secret-02";
    const body = JSON.stringify({ zen: "downgrade" });
    const source = await createSource({ type: "github", secret, githubLegacySha1: true });
    const headers = {
      ...githubSha1Headers(secret, body),
      "x-hub-signature-256": await sign("not-the-secret-01", body),
    };
    expect((await deliver(source.id, body, headers)).status).toBe(401);
  });
});
