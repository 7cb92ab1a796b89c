// The pull part of `npm run demo` (issue 6): sources that cannot push, against the local source
// simulator (scripts/simulator.mjs), through the running gateway.
//   1. polling: a `rest-poll` source walks the simulator's customers with cursor pagination, with
//      OAuth2 client credentials set through the admin API; the poll job is started with "run now";
//   2. fetch-on-notify: a Standard Webhooks source receives a thin `customer.updated` notification
//      (only an id) and the pipeline fetches the customer from the simulator's API (bearer token);
//   3. CSV: the simulator's Excel-style export (BOM, `;`, CRLF, quoted newlines) is uploaded to a
//      `csv-file` source with the source's API key, and the import's result is read back.
// Sources are created once by name (demo-poll-customers, demo-thin-webhooks, demo-csv); the poll and
// fetch URLs name the simulator's port, so a source whose URL points at another port is re-created.
//
//   import { runPullDemo } from "./demo-pull.mjs";
//   const summary = await runPullDemo({ baseUrl: "http://127.0.0.1:8787", adminToken });
//
// Run alone: `node scripts/demo-pull.mjs` (gateway on TRIBUTARY_URL or http://127.0.0.1:8787). The
// simulator listens on SIMULATOR_PORT or 8788 when that port is free, else on any free port.
import { createServer } from "node:net";
import { pathToFileURL } from "node:url";
import { sendThinWebhook, startSimulator } from "./simulator.mjs";

const WORKSPACE = "default";
// Local-only demo secrets (the simulator's published credentials and keys made up for this demo).
const SIM_TOKEN = "sim-token";
const SIM_CLIENT = { clientId: "tributary-demo", clientSecret: "demo-secret" };
const POLL_API_KEY = "demo_poll_key_local_only_0001";
const CSV_API_KEY = "demo_csv_key_local_only_0001";
const THIN_SECRET = "whsec_ZGVtby10aGluLXdlYmhvb2tzLWxvY2FsLTAx";
/** The customer the thin webhook announces (changed in the simulator first) and one the poll brings. */
const THIN_CUSTOMER = "cus_0042";
const KNOWN_CUSTOMER = "cus_0001";
/** Its note has a quoted newline in the CSV. */
const NOTE_CUSTOMER = "cus_0025";

/**
 * Runs polling, fetch-on-notify and a CSV import against a local simulator through the gateway, prints
 * a short summary and returns it.
 * @param {{ baseUrl: string, adminToken: string, simulatorPort?: number, timeoutMs?: number }} options
 * @returns {Promise<{ simulator: object, sources: object, poll: object, thinWebhook: object, csv: object }>}
 * @throws Error when the admin API refuses, or a step shows no result within `timeoutMs`
 */
export async function runPullDemo({ baseUrl, adminToken, simulatorPort, timeoutMs = 120_000 }) {
  const base = baseUrl.replace(/\/$/, "");
  const api = makeClient(base, adminToken);
  const port = simulatorPort ?? (await freePort(Number(process.env.SIMULATOR_PORT ?? 8788)));
  const sim = await startSimulator({ port });
  try {
    console.log(`\nPulling from the source simulator on ${sim.url} (polling, fetch-on-notify, CSV):`);
    const sources = await ensurePullSources(api, sim.url);
    const poll = await pollDemo(api, base, sources.poll, sim, timeoutMs);
    const thinWebhook = await thinWebhookDemo(api, base, sources.thin, sim, timeoutMs);
    const csv = await csvDemo(api, sources.csv, sim, timeoutMs);
    const { requests, rateLimited, tokensIssued } = sim.state.stats;
    console.log(
      `  simulator: ${requests} API requests served, ${rateLimited} answered 429, ${tokensIssued} OAuth2 token(s) issued`,
    );
    return {
      simulator: { url: sim.url, requests, rateLimited, tokensIssued },
      sources: Object.fromEntries(
        Object.entries(sources).map(([k, s]) => [k, { id: s.id, name: s.name, type: s.type }]),
      ),
      poll,
      thinWebhook,
      csv,
    };
  } finally {
    await sim.close();
  }
}

/** The admin and public API of the gateway: resolves to { status, body }. */
function makeClient(base, adminToken) {
  return async (route, { method, json, headers, body, admin = true } = {}) => {
    const response = await fetch(`${base}${route}`, {
      method: method ?? (json === undefined && body === undefined ? "GET" : "POST"),
      headers: {
        ...(admin ? { authorization: `Bearer ${adminToken}` } : {}),
        ...(json === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: json === undefined ? body : JSON.stringify(json),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: response.status, body: parsed };
  };
}

function expectStatus(result, status, what) {
  if (result.status !== status)
    throw new Error(`${what}: HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 400)}`);
  return result.body;
}

/** `preferred` when nothing listens on it (so re-runs keep the sources' URLs), else 0 (any free port). */
function freePort(preferred) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(0));
    probe.listen(preferred, "127.0.0.1", () => probe.close(() => resolve(preferred)));
  });
}

/** The three demo sources, created when missing (or re-created when they name another simulator port). */
async function ensurePullSources(api, simUrl) {
  const wanted = {
    poll: {
      name: "demo-poll-customers",
      type: "rest-poll",
      secret: POLL_API_KEY,
      mapping: {
        identifiers: { email: "$.email", crm_id: "$.id" },
        traits: { first_name: "$.first_name", last_name: "$.last_name", plan: "$.plan" },
      },
      // One request per second below the simulator's limit of 5/s (its 429s would only park the run).
      api: { rateLimit: { requests: 4, intervalSeconds: 1 } },
      poll: {
        kind: "api",
        url: `${simUrl}/api/customers?limit=50`,
        intervalSeconds: 3600,
        maxPages: 50,
        recordsPath: "$.data",
        recordId: "$.id",
        updatedAt: "$.updated_at",
        pagination: { type: "cursor", cursorPath: "$.next_cursor", param: "cursor" },
      },
    },
    thin: {
      name: "demo-thin-webhooks",
      type: "standard-webhooks",
      secret: THIN_SECRET,
      mapping: {
        eventType: "$.type",
        occurredAt: "$.object.updated_at",
        identifiers: { email: "$.object.email", crm_id: "$.object.id" },
        traits: { first_name: "$.object.first_name", last_name: "$.object.last_name", plan: "$.object.plan" },
      },
      api: { rateLimit: { requests: 2, intervalSeconds: 1 } },
      fetch: { url: `${simUrl}/api/customers/{$.data.id}`, into: "$.object" },
    },
    csv: {
      name: "demo-csv",
      type: "csv-file",
      secret: CSV_API_KEY,
      mapping: {
        identifiers: { email: "$.email", crm_id: "$.id" },
        traits: { first_name: "$.first_name", last_name: "$.last_name", plan: "$.plan", note: "$.note" },
      },
      csv: { delimiter: "auto", recordId: "$.id", updatedAt: "$.updated_at" },
    },
  };
  const listed = expectStatus(await api("/v1/admin/sources"), 200, "listing sources");
  const byName = new Map(listed.data.filter((s) => s.workspace === WORKSPACE).map((s) => [s.name, s]));
  const origin = new URL(simUrl).origin;
  const pointsHere = (s) =>
    [s.poll?.url, s.fetch?.url].filter(Boolean).every((url) => url.startsWith(`${origin}/`));
  const sources = {};
  for (const [key, spec] of Object.entries(wanted)) {
    const existing = byName.get(spec.name);
    if (existing && existing.type === spec.type && pointsHere(existing)) {
      sources[key] = existing;
      continue;
    }
    if (existing) {
      // Another simulator port (or type) than this run's: the stored URLs would lead nowhere.
      expectStatus(
        await api(`/v1/admin/sources/${existing.id}`, { method: "DELETE" }),
        204,
        `deleting ${spec.name}`,
      );
    }
    sources[key] = expectStatus(
      await api("/v1/admin/sources", { json: { workspace: WORKSPACE, ...spec } }),
      201,
      `creating ${spec.name}`,
    );
  }
  // Credentials for the simulator's API (write-only, sealed by the gateway); set on every run.
  expectStatus(
    await api(`/v1/admin/sources/${sources.poll.id}/api-credentials`, {
      method: "PUT",
      json: { type: "oauth2-client-credentials", tokenUrl: `${simUrl}/oauth/token`, ...SIM_CLIENT },
    }),
    200,
    "setting the poll source's OAuth2 credentials",
  );
  expectStatus(
    await api(`/v1/admin/sources/${sources.thin.id}/api-credentials`, {
      method: "PUT",
      json: { type: "bearer", token: SIM_TOKEN },
    }),
    200,
    "setting the thin-webhook source's bearer token",
  );
  return sources;
}

/** Starts the poll job ("run now") and waits for the run to end. */
async function pollDemo(api, base, source, sim, timeoutMs) {
  const route = `/v1/admin/sources/${source.id}/poll-job`;
  let started = await api(`${route}/run`, { method: "POST" });
  if (started.status === 409) {
    const job = expectStatus(await api(route), 200, "reading the poll job");
    if (job.paused) {
      expectStatus(await api(`${route}/resume`, { method: "POST" }), 200, "resuming the poll job");
      started = await api(`${route}/run`, { method: "POST" });
    } else started = { status: 202, body: job }; // a run is already in progress: wait for that one
  }
  const runId = expectStatus(started, 202, "starting the poll job").run.id;

  const job = await waitFor(
    async () => {
      const view = expectStatus(await api(route), 200, "reading the poll job");
      if (view.status === "idle" || view.status === "failed") return view;
      // Parked by a rate limit beyond the poller's own delayed retry: the cron trigger resumes it.
      if (view.status === "waiting" && Date.parse(view.nextRunAt) < Date.now() - 2000)
        await fetch(`${base}/__scheduled?cron=*+*+*+*+*`).then((r) => r.arrayBuffer());
      return undefined;
    },
    timeoutMs,
    "the poll job's run to end",
  );
  const known = sim.state.customers.get(KNOWN_CUSTOMER);
  const profile = await waitForProfile(
    api,
    "email",
    known.email,
    (p) => p.traits.plan !== undefined,
    timeoutMs,
  );

  console.log(`  poll job    ${source.name}: GET ${source.poll.url} (cursor pagination, OAuth2)`);
  console.log(
    `              run ${job.run.id ?? runId}: ${job.status}, ${job.run.pages} pages, ${job.run.records} records (${job.recordsFetched} fetched in all runs)`,
  );
  // The job keeps its last error after later successes; say whether it happened in this run.
  const inThisRun = job.lastErrorAt && job.run.startedAt && job.lastErrorAt >= job.run.startedAt;
  const errorNote = !job.lastError
    ? "none"
    : `${job.lastError} at ${job.lastErrorAt}${
        !inThisRun ? " (an earlier run)" : job.status === "idle" ? " (this run waited, then went on)" : ""
      }`;
  console.log(`              last error: ${errorNote}`);
  console.log(
    `              profile for ${known.email}: ${profile.identifiers.map((i) => `${i.type}:${i.value}`).join(", ")}`,
  );
  return {
    sourceId: source.id,
    runId: job.run.id ?? runId,
    status: job.status,
    pages: job.run.pages,
    records: job.run.records,
    lastRunRecords: job.lastRunRecords,
    recordsFetched: job.recordsFetched,
    lastError: job.lastError,
    lastErrorAt: job.lastErrorAt,
    knownCustomer: { email: known.email, profileId: profile.id, identifiers: profile.identifiers },
  };
}

/** Changes a customer in the simulator, sends a thin notification and waits for the fetched state. */
async function thinWebhookDemo(api, base, source, sim, timeoutMs) {
  const before = sim.state.customers.get(THIN_CUSTOMER);
  const plan = before.plan === "enterprise" ? "pro" : "enterprise";
  const changed = await fetch(`${sim.url}/control/customers/${THIN_CUSTOMER}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ plan }),
  }).then((r) => r.json());
  const ingestUrl = source.ingestUrl.replace(/^https?:\/\/[^/]+/, base);
  const status = await sendThinWebhook(ingestUrl, THIN_SECRET, THIN_CUSTOMER);
  if (status !== 202) throw new Error(`the thin webhook was refused: HTTP ${status}`);

  // Done when the plan trait comes from this notification's fetched object (its updated_at).
  const profile = await waitForProfile(
    api,
    "email",
    changed.email,
    (p) =>
      p.traits.plan === plan &&
      p.traitOrigins?.plan?.sourceId === source.id &&
      Date.parse(p.traitOrigins.plan.occurredAt) === Date.parse(changed.updated_at),
    timeoutMs,
    () => deadLetterHint(api, source.id),
  );
  const identifiers = profile.identifiers.map((i) => `${i.type}:${i.value}`);
  console.log(
    `  thin webhook ${source.name}: {"type":"customer.updated","data":{"id":"${THIN_CUSTOMER}"}} → ${status}; fetched ${source.fetch.url.replace("{$.data.id}", THIN_CUSTOMER)}`,
  );
  console.log(`              profile ${profile.id}: ${identifiers.join(", ")}`);
  console.log(`              traits: ${JSON.stringify(profile.traits)} (plan ${before.plan} → ${plan})`);
  return {
    sourceId: source.id,
    customerId: THIN_CUSTOMER,
    status,
    profileId: profile.id,
    identifiers: profile.identifiers,
    traits: profile.traits,
    planBefore: before.plan,
  };
}

/** Downloads the simulator's CSV export, uploads it with the source's API key and waits for the import. */
async function csvDemo(api, source, sim, timeoutMs) {
  const file = await waitFor(
    async () => {
      const response = await fetch(`${sim.url}/files/customers.csv`, {
        headers: { authorization: `Bearer ${SIM_TOKEN}` },
      });
      if (response.status === 429) return void (await response.arrayBuffer());
      if (!response.ok) throw new Error(`simulator CSV: HTTP ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    30_000,
    "the simulator's CSV file",
  );
  const upload = await api(`/v1/sources/${source.id}/files?filename=customers.csv`, {
    admin: false,
    headers: { "content-type": "text/csv; charset=utf-8", "x-api-key": CSV_API_KEY },
    body: file,
  });
  const { importId } = expectStatus(upload, 202, "uploading the CSV file");
  const result = await waitFor(
    async () => {
      const view = expectStatus(
        await api(`/v1/admin/file-imports/${importId}?rejections=10`),
        200,
        "reading the file import",
      );
      return view.status === "completed" || view.status === "failed" ? view : undefined;
    },
    timeoutMs,
    "the CSV import to finish",
  );
  const noted = sim.state.customers.get(NOTE_CUSTOMER);
  const profile = await waitForProfile(
    api,
    "email",
    noted.email,
    (p) => typeof p.traits.note === "string",
    timeoutMs,
  );

  const bom = file[0] === 0xef && file[1] === 0xbb && file[2] === 0xbf ? " with BOM" : "";
  console.log(
    `  csv import  ${source.name}: customers.csv, ${file.byteLength} bytes (${result.encoding ?? "?"}${bom}, delimiter ${JSON.stringify(result.delimiter)}) → import ${importId}: ${result.status}`,
  );
  console.log(
    `              rows read ${result.rowsRead}, accepted ${result.accepted}, rejected ${result.rejected}${result.error ? `; error: ${result.error}` : ""}`,
  );
  for (const r of result.rejections) console.log(`              row ${r.row} (line ${r.line}): ${r.reason}`);
  console.log(`              ${noted.email}: note ${JSON.stringify(profile.traits.note)}`);
  return {
    sourceId: source.id,
    importId,
    status: result.status,
    bytes: file.byteLength,
    delimiter: result.delimiter,
    encoding: result.encoding,
    rowsRead: result.rowsRead,
    accepted: result.accepted,
    rejected: result.rejected,
    rejections: result.rejections,
    error: result.error,
  };
}

/** Polls `check` every 500 ms until it returns a value other than undefined. */
async function waitFor(check, timeoutMs, what, hint = async () => "") {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s${await hint()}`);
}

/** The profile owning `type:value` once `ready(profile)` holds. */
function waitForProfile(api, type, value, ready, timeoutMs, hint) {
  const identifier = encodeURIComponent(`${type}:${value}`);
  return waitFor(
    async () => {
      const found = await api(`/v1/admin/profiles?workspace=${WORKSPACE}&identifier=${identifier}`);
      if (found.status === 404) return undefined;
      const profile = expectStatus(found, 200, `finding the profile of ${type}:${value}`);
      return ready(profile) ? profile : undefined;
    },
    timeoutMs,
    `the profile of ${type}:${value}`,
    hint,
  );
}

/** What the dead letters say about a source, for an error message. */
async function deadLetterHint(api, sourceId) {
  const { status, body } = await api(`/v1/admin/dead-letters?sourceId=${sourceId}&limit=1`);
  const first = status === 200 ? body.data?.[0] : undefined;
  return first ? ` (dead letter: ${first.reason}: ${first.detail})` : "";
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { BASE_URL, adminToken } = await import("./lib/gateway-client.mjs");
  const summary = await runPullDemo({ baseUrl: BASE_URL, adminToken: adminToken() });
  console.log(JSON.stringify(summary, null, 2));
}
