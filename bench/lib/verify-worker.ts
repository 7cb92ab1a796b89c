// Bench-only Worker: runs one scheme's verify() n times on one request, so the bench can read the
// CPU time of verification alone from the workerd process (workerd freezes clocks during execution,
// so the time cannot be taken from inside). Never part of the gateway's bundle.
import type { SourceConfig, SourceType } from "../../src/sources/config";
import { senderFor } from "../../src/sources/senders";
import { BENCH_SENDERS } from "./senders";

interface Job {
  type: SourceType;
  n: number;
  secret: string;
  config: SourceConfig;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const job = (await request.json()) as Job;
    const scheme = senderFor(job.type, BENCH_SENDERS).auth;
    const secrets = [await scheme.prepareSecret(job.secret)];
    const headers = new Headers(job.headers);
    const body = new TextEncoder().encode(job.body);
    for (let i = 0; i < job.n; i++) {
      const outcome = await scheme.verify(
        { headers, body, url: job.url, now: Date.now() },
        secrets,
        job.config,
      );
      if (!outcome.ok) return Response.json(outcome, { status: 401 });
    }
    return new Response("ok");
  },
};
