import { describe, expect, it } from "vitest";
import { createSource, deliver } from "../support/gateway";
import { b64, b64url, bytes, expectNoSecret, expectRefused, hex, hmac, now } from "./helpers";

/**
 * Forgery attempts against the HMAC schemes: each request is something an attacker without the
 * source's secret can build (or a malformed variant of a real signature). The safe answer is a 401
 * problem with a code, never a 2xx or a 5xx, and never the secret in the answer.
 */

const ACCEPTED = 202;

describe("Stripe-Signature forgeries", () => {
  const secret = "whsec_security_stripe_secret_1";
  const other = "whsec_security_stripe_other_22";
  const body = '{"id":"evt_sec_1","object":"event","type":"customer.created"}';
  const sign = async (t: string, key: string = secret, content = body) =>
    hex(await hmac(key, `${t}.${content}`));

  it("a correct signature is accepted (baseline)", async () => {
    const source = await createSource({ type: "stripe", secret });
    const t = String(now());
    const response = await deliver(source.id, body, { "stripe-signature": `t=${t},v1=${await sign(t)}` });
    expect(response.status).toBe(ACCEPTED);
    expectNoSecret(await response.text(), response.headers, [secret]);
  });

  it("header-shape tricks are 401, never 2xx or 5xx", async () => {
    const source = await createSource({ type: "stripe", secret });
    const t = String(now());
    const good = await sign(t);
    const goodBytes = Uint8Array.from(good.match(/../g)!.map((h) => Number.parseInt(h, 16)));
    const variants: Record<string, string> = {
      empty: "",
      "only commas": ",,,,",
      "t only": `t=${t}`,
      "empty v1": `t=${t},v1=`,
      "v1 only": `v1=${good}`,
      "t repeated (second is ours)": `t=1,t=${t},v1=${good}`,
      "t repeated with equal values": `t=${t},t=${t},v1=${good}`,
      "v0 with the right mac": `t=${t},v0=${good}`,
      "V1 upper-case name": `t=${t},V1=${good}`,
      "v1 as base64": `t=${t},v1=${b64(goodBytes)}`,
      "v1 truncated to 1 byte": `t=${t},v1=${good.slice(0, 2)}`,
      "v1 truncated to 16 bytes": `t=${t},v1=${good.slice(0, 32)}`,
      "v1 odd length": `t=${t},v1=${good.slice(0, 63)}`,
      "v1 with extra byte": `t=${t},v1=${good}00`,
      "v1 with inner space": `t=${t},v1=${good.slice(0, 10)} ${good.slice(10)}`,
      "semicolon separator": `t=${t};v1=${good}`,
      "no '=' pairs": `t${t},v1${good}`,
      "huge list of junk v1": `t=${t},${Array.from({ length: 2000 }, () => `v1=${"0".repeat(64)}`).join(",")}`,
    };
    for (const [label, header] of Object.entries(variants)) {
      const response = await deliver(source.id, body, header === "" ? {} : { "stripe-signature": header });
      await expectRefused(response, [401], [secret], label);
    }
  });

  it("weird timestamps are refused even when signed over exactly that text", async () => {
    const source = await createSource({ type: "stripe", secret });
    const t = now();
    const weird = [
      `+${t}`,
      `${t}.0`,
      `${t / 1000}e3`,
      ` ${t}x`,
      `0x${t.toString(16)}`,
      "١٧٩٥٩٥٣٦٠٠", // Arabic-Indic digits
      String(t).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), // full-width digits
      `${t}${"0".repeat(3)}`, // milliseconds
      "-1",
      `${t - 320}`,
      `${t + 320}`,
      "9".repeat(13),
    ];
    for (const ts of weird) {
      const response = await deliver(source.id, body, { "stripe-signature": `t=${ts},v1=${await sign(ts)}` });
      await expectRefused(response, [401], [secret], `t=${ts}`);
    }
  });

  it("signatures under the wrong key are refused: empty key, a prefix of the secret, another source's secret, the secret without whsec_", async () => {
    const source = await createSource({ type: "stripe", secret });
    await createSource({ type: "stripe", secret: other });
    const t = String(now());
    const keys: Record<string, string | Uint8Array> = {
      "empty key": new Uint8Array(0),
      "one zero byte": new Uint8Array(1),
      "prefix of the secret": secret.slice(0, -1),
      "secret + extra char": `${secret}x`,
      "another source's secret": other,
      "secret without whsec_": secret.slice("whsec_".length),
    };
    for (const [label, key] of Object.entries(keys)) {
      const mac =
        key instanceof Uint8Array && key.length === 0
          ? await hmacEmpty(`${t}.${body}`)
          : await sign(t, key as string);
      const response = await deliver(source.id, body, { "stripe-signature": `t=${t},v1=${mac}` });
      await expectRefused(response, [401], [secret, other], label);
    }
  });

  it("the signed content must be `t.body` exactly: body alone, `t` without dot, `t:body` are refused", async () => {
    const source = await createSource({ type: "stripe", secret });
    const t = String(now());
    const contents = [body, `${t}${body}`, `${t}:${body}`, `${t}.${body}\n`];
    for (const content of contents) {
      const mac = hex(await hmac(secret, content));
      const response = await deliver(source.id, body, { "stripe-signature": `t=${t},v1=${mac}` });
      await expectRefused(response, [401], [secret], JSON.stringify(content.slice(0, 20)));
    }
  });

  it("two Stripe-Signature headers (forged + real) are not treated as a rotation list", async () => {
    const source = await createSource({ type: "stripe", secret });
    const t = String(now());
    const headers = new Headers([
      ["content-type", "application/json"],
      ["stripe-signature", `t=1,v1=${"0".repeat(64)}`],
      ["stripe-signature", `t=${t},v1=${await sign(t)}`],
    ]);
    const response = await fetchRaw(source.id, body, headers);
    await expectRefused(response, [401], [secret], "duplicate header");
  });
});

describe("Standard Webhooks forgeries", () => {
  // 32 random-looking bytes.
  const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const secret = `whsec_${b64(key)}`;
  const body = '{"type":"contact.updated","data":{"email":"sec@example.com"}}';
  const sign = async (id: string, ts: string, content = body, k: Uint8Array | string = key) =>
    b64(await hmac(k, `${id}.${ts}.${content}`));

  it("baseline: a correct signature is accepted", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const ts = String(now());
    const response = await deliver(source.id, body, {
      "webhook-id": "msg_base",
      "webhook-timestamp": ts,
      "webhook-signature": `v1,${await sign("msg_base", ts)}`,
    });
    expect(response.status).toBe(ACCEPTED);
  });

  it("signature-list tricks are refused", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const ts = String(now());
    const good = await sign("msg_1", ts);
    const goodBytes = Uint8Array.from(atob(good), (c) => c.charCodeAt(0));
    const variants: Record<string, string> = {
      "v1 empty": "v1,",
      "v1 base64url": `v1,${b64url(goodBytes)}`,
      "v1 unpadded": `v1,${good.replace(/=+$/, "")}`,
      "v1 hex": `v1,${hex(goodBytes)}`,
      "V1 upper": `V1,${good}`,
      v1a: `v1a,${good}`,
      "v1= instead of v1,": `v1=${good}`,
      "v2 with the right mac": `v2,${good}`,
      "v1a (asymmetric) with the right mac": `v1a,${good}`,
      "truncated 1 byte": `v1,${b64(goodBytes.slice(0, 1))}`,
      "truncated 16 bytes": `v1,${b64(goodBytes.slice(0, 16))}`,
      "comma list instead of spaces": `v1,AAAA,v1,${good}`,
      "many junk entries": Array.from(
        { length: 3000 },
        () => "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      ).join(" "),
    };
    for (const [label, header] of Object.entries(variants)) {
      const response = await deliver(source.id, body, {
        "webhook-id": "msg_1",
        "webhook-timestamp": ts,
        "webhook-signature": header,
      });
      await expectRefused(response, [401], [secret], label);
    }
  });

  it("wrong keys: empty, the literal whsec_ string, the base64 text as key, one byte short", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const ts = String(now());
    const keys: Record<string, Uint8Array | string> = {
      "literal whsec_ string": secret,
      "base64 text without prefix": secret.slice(6),
      "key minus last byte": key.slice(0, -1),
      // (K and K‖0x00 give the same HMAC by RFC 2104's zero padding: not a forgery, so not listed.)
    };
    for (const [label, k] of Object.entries(keys)) {
      const response = await deliver(source.id, body, {
        "webhook-id": "msg_k",
        "webhook-timestamp": ts,
        "webhook-signature": `v1,${await sign("msg_k", ts, body, k)}`,
      });
      await expectRefused(response, [401], [secret], label);
    }
    const empty = b64(await hmacEmpty(`msg_k.${ts}.${body}`));
    const response = await deliver(source.id, body, {
      "webhook-id": "msg_k",
      "webhook-timestamp": ts,
      "webhook-signature": `v1,${empty}`,
    });
    await expectRefused(response, [401], [secret], "empty key");
  });

  it("timestamps: missing, non-digits, ms, unicode digits, out of window; even when signed over that text", async () => {
    const source = await createSource({ type: "standard-webhooks", secret });
    const t = now();
    for (const ts of [
      "",
      `+${t}`,
      `${t}.5`,
      `${t}000`,
      "١٧٩٥٩٥٣٦٠٠",
      `${t - 320}`,
      `${t + 320}`,
      `${t}abc`,
    ]) {
      const headers: Record<string, string> = {
        "webhook-id": "msg_t",
        "webhook-signature": `v1,${await sign("msg_t", ts)}`,
      };
      if (ts !== "") headers["webhook-timestamp"] = ts;
      const response = await deliver(source.id, body, headers);
      await expectRefused(response, [401], [secret], `ts=${JSON.stringify(ts)}`);
    }
  });

  it("a webhook-id with dots cannot be re-framed into the timestamp or the body (JSON source)", async () => {
    // The sender signs `${id}.${ts}.${body}`. With id = `evt.${ts}`, the same bytes also read as
    // id = "evt", ts = ts, body = `${ts}.${body}`: a different delivery (new id, new body) under the
    // same signature. It must not be accepted as JSON.
    const source = await createSource({ type: "standard-webhooks", secret });
    const ts = String(now());
    const id = `evt.${ts}`;
    const signature = `v1,${await sign(id, ts)}`;
    expect(
      (
        await deliver(source.id, body, {
          "webhook-id": id,
          "webhook-timestamp": ts,
          "webhook-signature": signature,
        })
      ).status,
    ).toBe(ACCEPTED);
    const reframed = await deliver(source.id, `${ts}.${body}`, {
      "webhook-id": "evt",
      "webhook-timestamp": ts,
      "webhook-signature": signature,
    });
    // The signature does match (the scheme itself is ambiguous); the body then fails as JSON: 400.
    await expectRefused(reframed, [400, 401], [secret], "re-framed id");
  });
});

describe("GitHub, Shopify, Slack signature forgeries", () => {
  const secret = "gh security secret 0001";
  const body = '{"action":"opened","title":"Ship it 😀"}';

  it("GitHub: prefix, encoding, algorithm and duplicate-header tricks are 401", async () => {
    const source = await createSource({ type: "github", secret });
    const mac = hex(await hmac(secret, body));
    expect(
      (await deliver(source.id, body, { "x-hub-signature-256": `sha256=${mac}`, "x-github-event": "ping" }))
        .status,
    ).toBe(ACCEPTED);
    const macBytes = await hmac(secret, body);
    const variants: Record<string, Record<string, string>> = {
      "no prefix": { "x-hub-signature-256": mac },
      "SHA256= upper prefix": { "x-hub-signature-256": `SHA256=${mac}` },
      "sha256: colon": { "x-hub-signature-256": `sha256:${mac}` },
      "space after =": { "x-hub-signature-256": `sha256= ${mac}` },
      base64: { "x-hub-signature-256": `sha256=${b64(macBytes)}` },
      empty: { "x-hub-signature-256": "sha256=" },
      "truncated 1 byte": { "x-hub-signature-256": `sha256=${mac.slice(0, 2)}` },
      "sha1 mac in sha256 header": {
        "x-hub-signature-256": `sha256=${hex(await hmac(secret, body, "SHA-1"))}`,
      },
      "sha512 mac": { "x-hub-signature-256": `sha256=${hex(await hmac(secret, body, "SHA-512"))}` },
      "legacy sha1 header while not enabled": {
        "x-hub-signature": `sha1=${hex(await hmac(secret, body, "SHA-1"))}`,
      },
      "bad sha256 + good sha1 (downgrade)": {
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        "x-hub-signature": `sha1=${hex(await hmac(secret, body, "SHA-1"))}`,
      },
      "empty key": { "x-hub-signature-256": `sha256=${hex(await hmacEmpty(body))}` },
      "secret prefix key": { "x-hub-signature-256": `sha256=${hex(await hmac(secret.slice(0, 8), body))}` },
    };
    for (const [label, headers] of Object.entries(variants)) {
      const response = await deliver(source.id, body, { "x-github-event": "ping", ...headers });
      await expectRefused(response, [401], [secret], label);
    }
    const duplicate = new Headers([
      ["content-type", "application/json"],
      ["x-github-event", "ping"],
      ["x-hub-signature-256", `sha256=${"0".repeat(64)}`],
      ["x-hub-signature-256", `sha256=${mac}`],
    ]);
    await expectRefused(await fetchRaw(source.id, body, duplicate), [401], [secret], "duplicate header");
  });

  it("GitHub with githubLegacySha1: a failing SHA-256 never falls back to SHA-1", async () => {
    const source = await createSource({ type: "github", secret, githubLegacySha1: true });
    const sha1 = `sha1=${hex(await hmac(secret, body, "SHA-1"))}`;
    expect(
      (await deliver(source.id, body, { "x-hub-signature": sha1, "x-github-event": "ping" })).status,
    ).toBe(ACCEPTED);
    const response = await deliver(source.id, body, {
      "x-hub-signature-256": "sha256=00",
      "x-hub-signature": sha1,
      "x-github-event": "ping",
    });
    await expectRefused(response, [401], [secret], "downgrade");
  });

  it("Shopify: hex, base64url, unpadded, whitespace-broken and empty-key digests are 401", async () => {
    const shopSecret = "shpss_security_secret_1";
    const source = await createSource({ type: "shopify", secret: shopSecret });
    const mac = await hmac(shopSecret, body);
    expect(
      (
        await deliver(source.id, body, {
          "x-shopify-hmac-sha256": b64(mac),
          "x-shopify-topic": "customers/update",
        })
      ).status,
    ).toBe(ACCEPTED);
    const variants: Record<string, string> = {
      hex: hex(mac),
      base64url: b64url(mac),
      unpadded: b64(mac).replace(/=+$/, ""),
      "inner space": `${b64(mac).slice(0, 8)} ${b64(mac).slice(8)}`,
      "sha256= prefix": `sha256=${b64(mac)}`,
      truncated: b64(mac.slice(0, 16)),
      "empty key": b64(await hmacEmpty(body)),
      "padding only": "====",
    };
    for (const [label, value] of Object.entries(variants)) {
      const response = await deliver(source.id, body, {
        "x-shopify-hmac-sha256": value,
        "x-shopify-topic": "customers/update",
      });
      await expectRefused(response, [401], [shopSecret], label);
    }
  });

  it("Slack: version, content, timestamp-mismatch and empty-body tricks are 401", async () => {
    const slackSecret = "slack_security_secret_1";
    const source = await createSource({ type: "slack", secret: slackSecret });
    const ts = String(now());
    const form = "payload=%7B%22text%22%3A%22%2Abold%2A%22%7D";
    const mac = (content: string) => hmac(slackSecret, content).then(hex);
    const ok = {
      "x-slack-request-timestamp": ts,
      "x-slack-signature": `v0=${await mac(`v0:${ts}:${form}`)}`,
    };
    expect(
      (await deliver(source.id, form, { "content-type": "application/x-www-form-urlencoded", ...ok })).status,
    ).toBe(ACCEPTED);
    const variants: [string, string, Record<string, string>][] = [
      ["v1= version", form, { ...ok, "x-slack-signature": ok["x-slack-signature"].replace("v0=", "v1=") }],
      ["over body only", form, { ...ok, "x-slack-signature": `v0=${await mac(form)}` }],
      [
        "timestamp header differs from signed",
        form,
        { ...ok, "x-slack-request-timestamp": String(Number(ts) - 1) },
      ],
      ["empty body, signature over non-empty", "", ok],
      ["re-encoded body (* bare)", form.replace(/%2A/g, "*"), ok],
      ["extra param appended", `${form}&user_id=U999`, ok],
      [
        "stale timestamp signed",
        form,
        {
          "x-slack-request-timestamp": String(Number(ts) - 400),
          "x-slack-signature": `v0=${await mac(`v0:${Number(ts) - 400}:${form}`)}`,
        },
      ],
    ];
    for (const [label, b, headers] of variants) {
      const response = await deliver(source.id, b, {
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      });
      await expectRefused(response, [401], [slackSecret], label);
    }
  });
});

describe("Twilio and generic HMAC forgeries", () => {
  const token = "tw_security_token_0001";

  it("Twilio: appended params, JSON without bodySHA256, wrong bodySHA256, unknown algorithm are 401", async () => {
    const source = await createSource({ type: "twilio", secret: token });
    const url = `https://gateway.test/v1/sources/${source.id}/webhooks`;
    const form = new URLSearchParams({ From: "+15555550100", MessageSid: "SM1", Body: "hi" });
    const sorted = [...form.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => k + v)
      .join("");
    const sig = b64(await hmac(token, url + sorted, "SHA-1"));
    const formHeaders = { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig };
    expect((await deliver(source.id, form.toString(), formHeaders)).status).toBe(ACCEPTED);

    const attempts: [string, string, Record<string, string>, string?][] = [
      ["param appended", `${form}&From=%2B15555550199`, formHeaders],
      ["value changed", form.toString().replace("hi", "ho"), formHeaders],
      [
        "same bytes as JSON content type",
        form.toString(),
        { ...formHeaders, "content-type": "application/json" },
      ],
      ["text/plain body", form.toString(), { ...formHeaders, "content-type": "text/plain" }],
      [
        "claims SHA-512",
        form.toString(),
        { ...formHeaders, "x-twilio-webhooks-signature-settings": "algorithm=HMAC_SHA512" },
      ],
      [
        "claims SHA-256 with SHA-1 mac",
        form.toString(),
        { ...formHeaders, "x-twilio-webhooks-signature-settings": "algorithm=HMAC_SHA256" },
      ],
      [
        "signature hex",
        form.toString(),
        { ...formHeaders, "x-twilio-signature": hex(Uint8Array.from(atob(sig), (c) => c.charCodeAt(0))) },
      ],
      ["query param added to URL", form.toString(), formHeaders, "?From=%2B15555550199"],
    ];
    for (const [label, b, headers, query] of attempts) {
      const response = await fetchRaw(source.id, b, new Headers(headers), query ?? "");
      await expectRefused(response, [401], [token], label);
    }
  });

  it("Twilio JSON (bodySHA256) with the right URL signature but a swapped body is 401", async () => {
    const source = await createSource({ type: "twilio", secret: token });
    const original = '{"From":"+15555550100"}';
    const hash = hex(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(original))),
    );
    const query = `?bodySHA256=${hash}`;
    const url = `https://gateway.test/v1/sources/${source.id}/webhooks${query}`;
    const sig = b64(await hmac(token, url, "SHA-1"));
    const h = new Headers({ "content-type": "application/json", "x-twilio-signature": sig });
    expect((await fetchRaw(source.id, original, h, query)).status).toBe(ACCEPTED);
    await expectRefused(
      await fetchRaw(source.id, '{"From":"+15555550199"}', h, query),
      [401],
      [token],
      "swapped body",
    );
    // Upper-case hex of the right hash changes the signed URL, so the old signature no longer fits.
    await expectRefused(
      await fetchRaw(source.id, original, h, query.toUpperCase().replace("BODYSHA256", "bodySHA256")),
      [401],
      [token],
      "upper hex",
    );
  });

  it("generic HMAC (sha512/base64/prefix/timestamp): wrong algorithm, encoding, prefix and timestamp are 401", async () => {
    const secret = "generic_security_secret_1";
    const source = await createSource({
      type: "generic-hmac",
      secret,
      genericHmac: {
        algorithm: "sha512",
        encoding: "base64",
        header: "x-sig",
        prefix: "sha512=",
        signedContent: "{timestamp}.{body}",
        timestampHeader: "x-ts",
        signatureSeparator: ",",
      },
    });
    const body = '{"id":"g1","email":"generic@example.com"}';
    const ts = String(now());
    const mac = await hmac(secret, `${ts}.${body}`, "SHA-512");
    expect((await deliver(source.id, body, { "x-ts": ts, "x-sig": `sha512=${b64(mac)}` })).status).toBe(
      ACCEPTED,
    );
    const attempts: [string, Record<string, string>][] = [
      [
        "sha256 mac",
        { "x-ts": ts, "x-sig": `sha512=${b64(await hmac(secret, `${ts}.${body}`, "SHA-256"))}` },
      ],
      ["hex encoding", { "x-ts": ts, "x-sig": `sha512=${hex(mac)}` }],
      ["no prefix", { "x-ts": ts, "x-sig": b64(mac) }],
      ["empty entries", { "x-ts": ts, "x-sig": ",,,sha512=," }],
      [
        "ts not signed (body only)",
        { "x-ts": ts, "x-sig": `sha512=${b64(await hmac(secret, body, "SHA-512"))}` },
      ],
      ["ts header missing", { "x-sig": `sha512=${b64(mac)}` }],
      ["ts shifted by one", { "x-ts": String(Number(ts) + 1), "x-sig": `sha512=${b64(mac)}` }],
      ["empty key", { "x-ts": ts, "x-sig": `sha512=${b64(await hmacEmpty(`${ts}.${body}`, "SHA-512"))}` }],
      ["truncated to 32 bytes", { "x-ts": ts, "x-sig": `sha512=${b64(mac.slice(0, 32))}` }],
    ];
    for (const [label, headers] of attempts) {
      await expectRefused(await deliver(source.id, body, headers), [401], [secret], label);
    }
  });

  it("generic HMAC {id}.{timestamp}.{body}: an id with a brace placeholder is not expanded", async () => {
    const secret = "generic_security_secret_2";
    const source = await createSource({
      type: "generic-hmac",
      secret,
      genericHmac: { signedContent: "{id}.{timestamp}.{body}", idHeader: "x-id", timestampHeader: "x-ts" },
    });
    const body = '{"id":"g2"}';
    const ts = String(now());
    // Signed as if {timestamp} inside the id were expanded by the gateway.
    const mac = hex(await hmac(secret, `${ts}.${ts}.${body}`));
    await expectRefused(
      await deliver(source.id, body, { "x-id": "{timestamp}", "x-ts": ts, "x-signature": mac }),
      [401],
      [secret],
      "placeholder in id",
    );
  });
});

describe("source types that must refuse every webhook", () => {
  it("an app source's webhook URL refuses even an empty-key HMAC in every header", async () => {
    const response = await (await import("../support/gateway")).admin("/v1/admin/sources", {
      json: { name: "sec app", type: "app" },
    });
    const source = (await response.json()) as { id: string };
    const body = "{}";
    const empty = await hmacEmpty(body);
    const attempt = await deliver(source.id, body, {
      "x-hub-signature-256": `sha256=${hex(empty)}`,
      "x-shopify-hmac-sha256": b64(empty),
      authorization: "Basic Og==",
    });
    await expectRefused(attempt, [401], [], "app webhook");
  });

  it("type unauthenticated cannot be created", async () => {
    const { admin } = await import("../support/gateway");
    const response = await admin("/v1/admin/sources", {
      json: { name: "open door", type: "unauthenticated", secret: "x" },
    });
    await expectRefused(response, [400], [], "create unauthenticated");
  });
});

/** HMAC under an empty key (WebCrypto refuses to import a zero-length key, so RFC 2104 by hand). */
async function hmacEmpty(message: string, hash: "SHA-256" | "SHA-512" = "SHA-256"): Promise<Uint8Array> {
  const block = hash === "SHA-512" ? 128 : 64;
  const key = new Uint8Array(block);
  const ipad = key.map((b) => b ^ 0x36);
  const opad = key.map((b) => b ^ 0x5c);
  const inner = new Uint8Array(await crypto.subtle.digest(hash, bytes(ipad, message)));
  return new Uint8Array(await crypto.subtle.digest(hash, bytes(opad, inner)));
}

/** Posts with a Headers object (so duplicate header lines are possible) and an optional query. */
function fetchRaw(sourceId: string, body: string, headers: Headers, query = ""): Promise<Response> {
  return import("../support/gateway").then(({ call }) =>
    call(`/v1/sources/${sourceId}/webhooks${query}`, { method: "POST", headers, body }),
  );
}
