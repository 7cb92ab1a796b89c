// The Worker of bench/edge-steps.mjs: runs one step of the edge's accepted path N times in a loop
// inside workerd, so the step's CPU can be read off the process (CPU ms / N) without HTTP, wrk or
// scheduling noise. Built by bench/lib/gateway.mjs's buildWorker; never deployed.
import { forwardedHeaders, newDeliveryEnvelope } from "../../src/deliveries/envelope";
import { decodeBody } from "../../src/edge/decode";
import { chargeInboundBudget } from "../../src/edge/rate-limit";
import { fromBase64Strict } from "../../src/lib/encoding";
import { idempotencyKeyFor } from "../../src/sources/idempotency";
import { senderFor } from "../../src/sources/senders";
import type { Source } from "../../src/sources/store";

// Built with the project's wrangler.toml, which names these classes: exported, never used here.
export { ExternalSystem, IdentityResolver, IndicatorRecompute, MetricsAggregator } from "../../src/index";

/** What the driver posts: one signed delivery's headers and body, and the source's secret. */
interface StepInput {
  headers: Record<string, string>;
  body: string;
  secret: string;
}

/** A step: one iteration's work, returning true when it did what the accepted path needs. */
type Step = (rateLimiter: RateLimit) => boolean | Promise<boolean>;

async function steps(input: StepInput): Promise<Record<string, Step>> {
  const bytes = new TextEncoder().encode(input.body);
  const headers = new Headers(input.headers);
  const sender = senderFor("standard-webhooks");
  const source = {
    id: "src_bench",
    type: "standard-webhooks",
    workspace: "bench",
    config: {},
    secrets: [{ value: input.secret }],
  } as unknown as Source;
  const secrets = [input.secret];
  const signature = fromBase64Strict(input.headers["webhook-signature"]!.slice("v1,".length))!;
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64Strict(input.secret.slice("whsec_".length))!,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const signed = new TextEncoder().encode(
    `${input.headers["webhook-id"]}.${input.headers["webhook-timestamp"]}.${input.body}`,
  );
  const json = JSON.parse(input.body);
  return {
    nothing: () => true,
    "rate limiter": async (limiter) => {
      await chargeInboundBudget({ INGEST_RATE_LIMITER: limiter }, source.id);
      return true;
    },
    "signature (Standard Webhooks verify)": async () =>
      (await sender.auth.verify({ headers, body: bytes, url: "http://bench/", now: Date.now() }, secrets, {}))
        .ok,
    "HMAC alone (crypto.subtle.verify)": () => crypto.subtle.verify("HMAC", key, signature, signed),
    "decode and JSON parse": () =>
      decodeBody(bytes, "application/json", { jsonOnly: true }).json !== undefined,
    "idempotency key and forwarded headers": async () => {
      const idempotencyKey = await idempotencyKeyFor(sender.idempotencyPreset({}), headers, json, bytes, {});
      return (
        idempotencyKey.length > 0 && "content-type" in forwardedHeaders(headers, sender.forwardedHeaders)
      );
    },
    "envelope and its JSON": () =>
      JSON.stringify(
        newDeliveryEnvelope({
          origin: { kind: "webhook" },
          source,
          receivedAt: Date.now(),
          idempotencyKey: "bench",
          headers: {},
          body: input.body,
        }),
      ).length > 0,
  };
}

export default {
  /** POST /?step=<name>&n=<count> with a {@link StepInput}: runs the step n times, answers how many succeeded. */
  async fetch(request: Request, env: { RATE_LIMITER: RateLimit }): Promise<Response> {
    const url = new URL(request.url);
    const all = await steps((await request.json()) as StepInput);
    if (url.searchParams.has("list")) return Response.json(Object.keys(all));
    const step = all[url.searchParams.get("step") ?? ""];
    if (!step) return new Response("unknown step", { status: 404 });
    const n = Number(url.searchParams.get("n"));
    let ok = 0;
    for (let i = 0; i < n; i++) if (await step(env.RATE_LIMITER)) ok++;
    return new Response(String(ok));
  },
};
