// `npm run demo`: the main job in one command. Starts the gateway when it is not running, sends real
// sample webhooks (Shopify's and GitHub's own published examples, a Stripe event, a Standard Webhooks
// event) signed the way each sender signs them, pulls from a local simulator and, when sshd is
// installed, over SFTP, and prints the profiles that come out.
import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { runAppDemo } from "./demo-app.mjs";
import { runEnrichDemo } from "./demo-enrich.mjs";
import { runPullDemo } from "./demo-pull.mjs";
import { runSftpDemo } from "./demo-sftp.mjs";
import {
  admin,
  adminToken,
  BASE_URL,
  DEMO_SOURCES,
  ensureDemoSources,
  isUp,
  ROOT,
  waitUntilUp,
} from "./lib/gateway-client.mjs";
import {
  githubSamples,
  shopifySample,
  signGitHub,
  signShopify,
  signStandardWebhooks,
  signStripe,
  stripeCustomerEvent,
} from "./lib/senders.mjs";

let started = null;
if (!(await isUp())) {
  console.log(`starting the gateway (npm start) on ${BASE_URL} ...`);
  const logFile = path.join(ROOT, ".wrangler", "demo-gateway.log");
  mkdirSync(path.dirname(logFile), { recursive: true });
  const out = openSync(logFile, "a");
  started = spawn(process.execPath, [path.join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    stdio: ["ignore", out, out],
    detached: true,
  });
  console.log(`  (its output goes to ${path.relative(ROOT, logFile)})`);
  started.unref();
  await waitUntilUp(180_000);
}
const sources = await ensureDemoSources();
const secretOf = (name) => DEMO_SOURCES.find((s) => s.name === name).secret;

async function send(name, body, headers) {
  const source = sources.get(name);
  const response = await fetch(source.ingestUrl.replace(/^https?:\/\/[^/]+/, BASE_URL), {
    method: "POST",
    headers,
    body,
  });
  const answer = await response.text();
  console.log(
    `  ${name.padEnd(24)} ${headers["x-shopify-topic"] ?? headers["x-github-event"] ?? "event"} → ${response.status} ${answer}`,
  );
  if (response.status !== 202) throw new Error(`delivery refused: ${response.status}`);
}

console.log("\nSending signed sample webhooks:");
// Shopify: the published orders/create sample, then the customer's second order, paid (the published
// orders/paid sample is byte-identical to orders/create, so sent as is it would only be a duplicate of
// the first delivery), and the published customers/update sample re-addressed to that customer so the
// update and the orders meet in one profile.
const order = shopifySample("orders/create");
const paid = secondOrder(shopifySample("orders/paid"));
const update = { ...shopifySample("customers/update"), ...pickCustomer(order.customer) };
for (const [topic, payload] of [
  ["orders/create", order],
  ["orders/paid", paid],
  ["customers/update", update],
]) {
  const body = JSON.stringify(payload);
  await send("demo-shopify", body, signShopify(secretOf("demo-shopify"), body, topic));
}
// GitHub: the published push example with a commit; its sender and commit author become one profile.
const push = githubSamples("push").find((e) => e.commits?.length > 0);
const pushBody = JSON.stringify(push);
await send("demo-github", pushBody, await signGitHub(secretOf("demo-github"), pushBody, "push"));
// Stripe: a customer.updated event for the Shopify buyer's email: it joins that profile.
const stripeBody = JSON.stringify(
  stripeCustomerEvent({ customerId: "cus_demo0001", email: "john@example.com", name: "John Smith" }),
);
await send("demo-stripe", stripeBody, signStripe(secretOf("demo-stripe"), stripeBody));
// Standard Webhooks: a CRM contact event mapped by JSON paths.
const crmBody = JSON.stringify({
  type: "contact.updated",
  timestamp: new Date().toISOString(),
  data: { email: " John@Example.com ", crm_id: "crm_1001", name: "John Smith", plan: "gold" },
});
await send(
  "demo-standard-webhooks",
  crmBody,
  signStandardWebhooks(secretOf("demo-standard-webhooks"), crmBody),
);

// An app: its users' events through Segment's own Node SDK, pointed at the gateway.
const app = await runAppDemo({ baseUrl: BASE_URL, adminToken: adminToken() });
console.log(
  `  demo-app (analytics-node)  ${app.events.join(", ")} → ${app.requests.map((r) => r.status).join(", ")}`,
);

// Sources that cannot push (issue 6): polling, fetch-on-notify and a CSV import, against the simulator.
const pull = await runPullDemo({ baseUrl: BASE_URL, adminToken: adminToken() });

// A daily CSV drop over SFTP (issue 17), when OpenSSH's sshd is installed; else how to get it.
const sftp = await runSftpDemo({ baseUrl: BASE_URL, adminToken: adminToken() });

// Enrichment: a TV reports usage; the warranty service (a sync extension) adds contract data before the
// event is stored, and activity indicators summarize the device's reports on the owner's profile.
console.log("\nEnriching device events with the local warranty service (extension + activity indicators):");
await runEnrichDemo({ baseUrl: BASE_URL, adminToken: adminToken() });

console.log("\nWaiting for the pipeline (queue → IdentityResolver → D1) ...");
const wanted = [
  ["email", "john@example.com"],
  ["github_login", "Codertocat"],
];
for (const [type, value] of wanted) {
  const profile = await waitForProfile(type, value);
  const events = (await admin(`/v1/admin/profiles/${profile.id}/events`)).body.data;
  console.log(`\nProfile ${profile.id}  (found by ${type}:${value})`);
  console.log(`  identifiers: ${profile.identifiers.map((i) => `${i.type}:${i.value}`).join(", ")}`);
  console.log(`  traits:      ${JSON.stringify(profile.traits)}`);
  console.log(`  events (newest first): ${events.map((e) => e.type).join(", ")}`);
}
console.log(
  `\nPulled: ${pull.poll.records} records polled in ${pull.poll.pages} pages, customer ${pull.thinWebhook.customerId} fetched on notify, ${pull.csv.accepted}/${pull.csv.rowsRead} CSV rows accepted, ${
    sftp.skipped
      ? "SFTP skipped (no sshd)"
      : `${sftp.accepted}/${sftp.rowsRead} rows of ${sftp.filename} over SFTP`
  }.`,
);
console.log(`\nDone. Explore more with the admin API (${BASE_URL}/openapi.json).`);
if (started)
  console.log(`The gateway keeps running in the background; stop it with: kill -- -${started.pid}`);

/** `sample` as a different order of the same customer, paid: new id, name and number. */
function secondOrder(sample) {
  const id = 820982911946154600;
  return {
    ...sample,
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: "#10000",
    order_number: 1235,
    financial_status: "paid",
    updated_at: new Date().toISOString(),
  };
}

function pickCustomer(customer) {
  const { id, admin_graphql_api_id, email, first_name, last_name } = customer;
  return {
    id,
    admin_graphql_api_id,
    email,
    first_name,
    last_name,
    note: null,
    updated_at: new Date().toISOString(),
  };
}

async function waitForProfile(type, value, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await admin(
      `/v1/admin/profiles?workspace=default&identifier=${encodeURIComponent(`${type}:${value}`)}`,
    );
    if (last.status === 200) {
      // Give the last queued events a moment to land before printing.
      await new Promise((r) => setTimeout(r, 1500));
      return (await admin(`/v1/admin/profiles/${last.body.id}`)).body;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no profile for ${type}:${value}: ${last?.status}`);
}
