#!/usr/bin/env node
// Source simulator: a small local "source system" to practise pulling against (polling, fetch-on-notify
// and CSV files), used by `npm run demo` and by hand. Node only, no dependencies beyond the repo's.
//
//   npm run simulator                       # http://127.0.0.1:8788
//   node scripts/simulator.mjs --port 8788 --rate 5 --customers 250
//   node scripts/simulator.mjs notify --to <gateway ingest URL> --secret whsec_... --customer cus_0001
//
// As a child process it prints one JSON line when listening: {"simulator":"ready","url":"http://127.0.0.1:8788"}.
// As a module: `const sim = await startSimulator({ port: 0 }); ... await sim.close();`
//
// Credentials: every /api/* and /files/* request needs `Authorization: Bearer sim-token`, or a token
// from the OAuth2 client credentials endpoint (client_id `tributary-demo`, client_secret `demo-secret`,
// HTTP Basic or form fields).
//
// Endpoints (records are JSON; times ISO-8601 UTC):
//   POST /oauth/token                         client_credentials grant → {access_token, token_type, expires_in}
//   GET  /api/customers?cursor=&limit=        cursor pagination: {data:[customer], next_cursor|null}, by id
//   GET  /api/customers/changes?updated_after=&after_id=&limit=
//                                             keyset on (updated_at, id) ascending, tuple ">" comparison
//   GET  /api/customers/:id                   one customer (for fetch-on-notify); 404 when unknown
//   GET  /api/orders?page=&per_page=          page numbers, JSON array + RFC 8288 Link (next/prev/first/last)
//   GET  /api/contacts?offset=&limit=         offset pagination, newest first: {contacts:[customer]}
//   GET  /files/customers.csv                 Excel-style CSV export: UTF-8 BOM, `;`, CRLF, quoted newlines
//   POST /control/customers/:id               body {fields}: changes a customer (bumps updated_at), or creates it
//   POST /control/notify                      body {url, secret, customerId}: sends a thin Standard Webhooks
//                                             notification {type:"customer.updated", data:{id}} to `url`
//   GET  /control/stats                       requests served, 429s sent, tokens issued
//   GET  /health                              {ok:true}
//
// Rate limit: one token bucket for the API (`--rate` requests per second, same burst). Past it: 429 with
// Retry-After, alternating delay-seconds and HTTP-date forms (RFC 9110 §10.2.3), as real APIs do.
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const STATIC_TOKEN = "sim-token";
const CLIENT_ID = "tributary-demo";
const CLIENT_SECRET = "demo-secret";
const PLANS = ["free", "starter", "pro", "enterprise"];
const FIRST = ["Ana", "Bo", "Chen", "Dara", "Eli", "Farah", "Goran", "Hana", "Ivo", "Jana", "Kemal", "Lena"];
const LAST = ["Alves", "Berg", "Costa", "Dietz", "Evans", "Fabre", "Gruber", "Horvat", "Ito", "Jensen"];

/** Deterministic sample data: `count` customers and two orders each. */
function sampleData(count) {
  const base = Date.parse("2026-11-01T08:00:00Z");
  const customers = new Map();
  for (let i = 1; i <= count; i++) {
    const id = `cus_${String(i).padStart(4, "0")}`;
    const first = FIRST[i % FIRST.length];
    const last = LAST[i % LAST.length];
    const at = new Date(base + i * 60_000).toISOString();
    customers.set(id, {
      id,
      email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      first_name: first,
      last_name: last,
      plan: PLANS[i % PLANS.length],
      note: i % 25 === 0 ? "Prefers phone calls;\ncall after 5pm" : null,
      created_at: at,
      updated_at: at,
    });
  }
  const orders = [];
  for (const c of customers.values())
    for (let k = 1; k <= 2; k++)
      orders.push({
        id: `ord_${c.id.slice(4)}_${k}`,
        customer_id: c.id,
        email: c.email,
        total: ((Number(c.id.slice(4)) * 7 + k * 13) % 200) + 0.99,
        currency: "EUR",
        created_at: c.created_at,
      });
  return { customers, orders };
}

/** Standard Webhooks signature (`v1,` base64 HMAC-SHA256 over `id.timestamp.body`, key = base64 after whsec_). */
function signStandardWebhook(secret, id, timestamp, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/** Sends one thin notification for `customerId` to a gateway ingest URL. Returns the HTTP status. */
export async function sendThinWebhook(url, secret, customerId) {
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ type: "customer.updated", data: { id: customerId } });
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signStandardWebhook(secret, id, timestamp, body),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

function csvCell(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[";\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The customers as an Excel "CSV UTF-8" export with a German locale: BOM, `;`, CRLF. */
function customersCsv(customers) {
  const columns = ["id", "email", "first_name", "last_name", "plan", "note", "updated_at"];
  const lines = [columns.join(";")];
  for (const c of customers.values()) lines.push(columns.map((k) => csvCell(c[k])).join(";"));
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

/**
 * Starts the simulator. Options: port (0 = any free), host, rate (requests/s), customers (count).
 * Returns { url, port, close, state }.
 */
export async function startSimulator({
  port = 8788,
  host = "127.0.0.1",
  rate = 5,
  customers: count = 250,
} = {}) {
  const { customers, orders } = sampleData(count);
  const tokens = new Set([STATIC_TOKEN]);
  const stats = { requests: 0, rateLimited: 0, tokensIssued: 0, notificationsSent: 0 };
  const bucket = { tokens: rate, at: Date.now() };
  let limitedCount = 0;

  const takeToken = () => {
    const now = Date.now();
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  };

  const send = (res, status, body, headers = {}) => {
    const isText = typeof body === "string";
    res.writeHead(status, { "content-type": isText ? "text/plain" : "application/json", ...headers });
    res.end(isText ? body : JSON.stringify(body));
  };
  const readBody = async (req) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  };
  const sortedByChange = () =>
    [...customers.values()].sort((a, b) =>
      a.updated_at === b.updated_at ? (a.id < b.id ? -1 : 1) : a.updated_at < b.updated_at ? -1 : 1,
    );
  const limitOf = (url, fallback) =>
    Math.min(500, Math.max(1, Number(url.searchParams.get("limit") ?? fallback) || fallback));

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? host}`);
    const path = url.pathname;
    try {
      if (path === "/health") return send(res, 200, { ok: true });
      if (path === "/control/stats") return send(res, 200, stats);
      if (req.method === "POST" && path === "/oauth/token") {
        const form = new URLSearchParams(await readBody(req));
        let [id, secret] = [form.get("client_id"), form.get("client_secret")];
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
        if (basic) {
          const [user, pass] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
          [id, secret] = [decodeURIComponent(user ?? ""), decodeURIComponent(pass ?? "")];
        }
        if (form.get("grant_type") !== "client_credentials")
          return send(res, 400, { error: "unsupported_grant_type" });
        if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return send(res, 401, { error: "invalid_client" });
        const token = `sim-oauth-${randomUUID()}`;
        tokens.add(token);
        stats.tokensIssued++;
        return send(res, 200, { access_token: token, token_type: "Bearer", expires_in: 3600 });
      }
      if (req.method === "POST" && path.startsWith("/control/customers/")) {
        const id = decodeURIComponent(path.slice("/control/customers/".length));
        const fields = JSON.parse((await readBody(req)) || "{}");
        const now = new Date().toISOString();
        const current = customers.get(id) ?? { id, created_at: now };
        const next = { ...current, ...fields, id, updated_at: now };
        customers.set(id, next);
        return send(res, 200, next);
      }
      if (req.method === "POST" && path === "/control/notify") {
        const { url: target, secret, customerId } = JSON.parse((await readBody(req)) || "{}");
        if (!target || !secret || !customerId)
          return send(res, 400, { error: "url, secret and customerId are required" });
        const status = await sendThinWebhook(target, secret, customerId);
        stats.notificationsSent++;
        return send(res, 200, { sent: true, status });
      }

      if (!path.startsWith("/api/") && !path.startsWith("/files/"))
        return send(res, 404, { error: "not found" });
      stats.requests++;
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      if (!auth || !tokens.has(auth[1]))
        return send(res, 401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });
      const wait = takeToken();
      if (wait > 0) {
        stats.rateLimited++;
        const retryAfter =
          limitedCount++ % 2 === 0 ? String(wait) : new Date(Date.now() + wait * 1000 + 1000).toUTCString();
        return send(res, 429, { error: "rate limited" }, { "retry-after": retryAfter });
      }

      if (path === "/files/customers.csv")
        return send(res, 200, customersCsv(customers), { "content-type": "text/csv; charset=utf-8" });
      if (path === "/api/customers") {
        const limit = limitOf(url, 50);
        const cursor = url.searchParams.get("cursor");
        const all = [...customers.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
        const start = cursor ? all.findIndex((c) => c.id > cursor) : 0;
        const data = start < 0 ? [] : all.slice(start, start + limit);
        const more = start >= 0 && start + limit < all.length;
        return send(res, 200, { data, next_cursor: more ? data.at(-1).id : null });
      }
      if (path === "/api/customers/changes") {
        const after = url.searchParams.get("updated_after");
        const afterId = url.searchParams.get("after_id") ?? "";
        const data = sortedByChange()
          .filter((c) => !after || c.updated_at > after || (c.updated_at === after && c.id > afterId))
          .slice(0, limitOf(url, 50));
        return send(res, 200, { data });
      }
      if (path.startsWith("/api/customers/")) {
        const customer = customers.get(decodeURIComponent(path.slice("/api/customers/".length)));
        return customer ? send(res, 200, customer) : send(res, 404, { error: "no such customer" });
      }
      if (path === "/api/orders") {
        const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 50) || 50));
        const page = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
        const last = Math.max(1, Math.ceil(orders.length / perPage));
        const link = (p, rel) => `<${url.origin}/api/orders?page=${p}&per_page=${perPage}>; rel="${rel}"`;
        const links = [link(1, "first"), link(last, "last")];
        if (page < last) links.push(link(page + 1, "next"));
        if (page > 1) links.push(link(page - 1, "prev"));
        return send(res, 200, orders.slice((page - 1) * perPage, page * perPage), { link: links.join(", ") });
      }
      if (path === "/api/contacts") {
        const offset = Math.max(0, Number(url.searchParams.get("offset") ?? 0) || 0);
        const newestFirst = [...customers.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
        return send(res, 200, { contacts: newestFirst.slice(offset, offset + limitOf(url, 50)) });
      }
      return send(res, 404, { error: "not found" });
    } catch (error) {
      return send(res, 400, { error: String(error).slice(0, 200) });
    }
  });

  await new Promise((resolve) => server.listen(port, host, resolve));
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    state: { customers, orders, stats },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function flag(args, name, fallback) {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  if (args[0] === "notify") {
    const status = await sendThinWebhook(
      flag(args, "to"),
      flag(args, "secret"),
      flag(args, "customer", "cus_0001"),
    );
    console.log(JSON.stringify({ notified: true, status }));
  } else {
    const sim = await startSimulator({
      port: Number(flag(args, "port", process.env.SIMULATOR_PORT ?? "8788")),
      rate: Number(flag(args, "rate", "5")),
      customers: Number(flag(args, "customers", "250")),
    });
    console.log(JSON.stringify({ simulator: "ready", url: sim.url }));
    const stop = () => sim.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  }
}
