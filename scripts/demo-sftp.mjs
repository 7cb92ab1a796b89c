// The SFTP part of `npm run demo` (issue 17): when OpenSSH's sshd is installed, starts a throwaway
// server on a loopback port (scripts/lib/sshd.mjs), leaves a day's CSV in its drop directory, creates
// (or re-creates, since every run has a new port and host key) the `demo-sftp` csv-file source with an
// `sftp` poll, starts its poll job ("run now") and waits for the import. Without sshd it prints how to
// get one and skips.
//
//   import { runSftpDemo } from "./demo-sftp.mjs";
//   const summary = await runSftpDemo({ baseUrl: "http://127.0.0.1:8787", adminToken });
//
// The gateway must allow loopback outbound targets (npm start sets ALLOW_PRIVATE_OUTBOUND_TARGETS).
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { INSTALL_HINT, startSshd } from "./lib/sshd.mjs";

const WORKSPACE = "default";
const SOURCE_NAME = "demo-sftp";
// Local-only demo key for the source's own upload route (unused here, required by csv-file sources).
const SFTP_API_KEY = "demo_sftp_key_local_only_0001";
const ROWS = [
  ["sftp.ada@example.com", "Ada", "gold"],
  ["sftp.grace@example.com", "Grace", "silver"],
  ["john@example.com", "John", "gold"],
];

/**
 * Runs one SFTP pull through the gateway, prints what happened and returns a summary.
 * @param {{ baseUrl: string, adminToken: string, timeoutMs?: number }} options
 * @returns {Promise<{ skipped: true, reason: string } | { skipped: false, sourceId: string,
 *   importId: string, filename: string, rowsRead: number, accepted: number, serverFiles: string[] }>}
 * @throws Error when the admin API refuses or the pull shows no result within `timeoutMs`
 */
export async function runSftpDemo({ baseUrl, adminToken, timeoutMs = 120_000 }) {
  console.log("\nPulling a daily CSV over SFTP (a throwaway OpenSSH server on loopback):");
  const sshd = await startSshd();
  if (!sshd) {
    console.log(`  skipped: /usr/sbin/sshd not found; ${INSTALL_HINT}, then run npm run demo again.`);
    return { skipped: true, reason: "sshd not installed" };
  }
  const api = client(baseUrl.replace(/\/$/, ""), adminToken);
  try {
    const filename = `daily-${new Date().toISOString().slice(0, 10)}.csv`;
    writeFileSync(
      path.join(sshd.directory, filename),
      `${["email,first_name,plan", ...ROWS.map((r) => r.join(","))].join("\n")}\n`,
    );
    const source = await recreateSource(api, sshd);
    const route = `/v1/admin/sources/${source.id}/poll-job`;
    expect(await api(`${route}/run`, { method: "POST" }), 202, "starting the SFTP poll job");
    const job = await waitFor(
      async () => {
        const view = expect(await api(route), 200, "reading the poll job");
        return view.status === "idle" || view.status === "failed" ? view : undefined;
      },
      timeoutMs,
      "the SFTP pull",
    );
    if (job.status === "failed") throw new Error(`the SFTP pull failed: ${job.lastError}`);
    const imported = await waitFor(
      async () => {
        const list = expect(await api(`/v1/admin/sources/${source.id}/file-imports`), 200, "listing imports");
        const view = list.data[0]
          ? expect(await api(`/v1/admin/file-imports/${list.data[0].id}`), 200, "reading the import")
          : undefined;
        return view && (view.status === "completed" || view.status === "failed") ? view : undefined;
      },
      timeoutMs,
      "the SFTP file's import",
    );
    const serverFiles = readdirSync(sshd.directory, { recursive: true }).sort();
    console.log(
      `  sftp://${sshd.username}@127.0.0.1:${sshd.port}${sshd.directory} (host key ${sshd.fingerprint})`,
    );
    console.log(
      `  poll job    ${source.name}: ${job.status}, ${job.lastRunRecords} file(s) fetched; import ${imported.id} of ${imported.filename}: ${imported.status}, ${imported.accepted}/${imported.rowsRead} rows accepted`,
    );
    console.log(`              on the server afterwards: ${serverFiles.join(", ")}`);
    return {
      skipped: false,
      sourceId: source.id,
      importId: imported.id,
      filename: imported.filename,
      rowsRead: imported.rowsRead,
      accepted: imported.accepted,
      serverFiles,
    };
  } finally {
    await sshd.stop();
  }
}

/** Deletes an earlier run's demo-sftp source (its port and host key are gone) and creates this run's. */
async function recreateSource(api, sshd) {
  const listed = expect(await api("/v1/admin/sources"), 200, "listing sources");
  for (const old of listed.data.filter((s) => s.workspace === WORKSPACE && s.name === SOURCE_NAME))
    expect(await api(`/v1/admin/sources/${old.id}`, { method: "DELETE" }), 204, `deleting ${SOURCE_NAME}`);
  return expect(
    await api("/v1/admin/sources", {
      json: {
        workspace: WORKSPACE,
        name: SOURCE_NAME,
        type: "csv-file",
        secret: SFTP_API_KEY,
        mapping: {
          identifiers: { email: "$.email" },
          traits: { first_name: "$.first_name", plan: "$.plan" },
        },
        poll: {
          kind: "sftp",
          intervalSeconds: 86_400,
          host: "127.0.0.1",
          port: sshd.port,
          username: sshd.username,
          privateKey: sshd.privateKey,
          hostKeyFingerprint: sshd.fingerprint,
          directory: sshd.directory,
          pattern: "daily-*.csv",
          afterImport: "rename",
        },
      },
    }),
    201,
    `creating ${SOURCE_NAME}`,
  );
}

function client(base, adminToken) {
  return async (route, { method, json } = {}) => {
    const response = await fetch(`${base}${route}`, {
      method: method ?? (json === undefined ? "GET" : "POST"),
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(json === undefined ? {} : { "content-type": "application/json" }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

function expect(result, status, what) {
  if (result.status !== status)
    throw new Error(`${what}: HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 400)}`);
  return result.body;
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
}
