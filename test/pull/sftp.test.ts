import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { database } from "../../src/db/client";
import worker from "../../src/index";
import { PollJobStore } from "../../src/pull/jobs";
import { runPollJob } from "../../src/pull/poller";
import { pollSftp, type SftpPoll } from "../../src/pull/sftp/pull";
import type { SourceView } from "../../src/routes/admin/source-schemas";
import { SourceStore } from "../../src/sources/store";
import { admin, eventually } from "../support/gateway";
import type { SshdInfo } from "../support/sshd-server";
import { importResult } from "./csv/helpers";
import { API_KEY, keysWhenStored, pollJob } from "./helpers";

const raw = inject("sshd");
const sshd = raw ? (JSON.parse(raw) as SshdInfo) : null;
// The SFTP server listens on loopback: only local development may reach it (the outbound guard).
const localEnv = { ...env, ALLOW_PRIVATE_OUTBOUND_TARGETS: "true" };

/** Writes, deletes or lists files in the server's directory (through the Node-side helper). */
async function files(method: "GET" | "PUT" | "DELETE" = "GET", name = "", body?: string): Promise<string[]> {
  const response = await fetch(`${sshd!.controlUrl}/${encodeURIComponent(name)}`, { method, body });
  return (await response.json()) as string[];
}

/** An SFTP csv-file source on the test server, created with the local rule; `poll` overrides settings. */
async function sftpSource(poll: Record<string, unknown> = {}): Promise<SourceView> {
  const ctx = createExecutionContext();
  const body = {
    name: "sftp test",
    type: "csv-file",
    secret: API_KEY,
    mapping: { identifiers: { email: "$.email" }, traits: { first_name: "$.first_name" } },
    poll: {
      kind: "sftp",
      host: "127.0.0.1",
      port: sshd!.port,
      username: sshd!.username,
      privateKey: sshd!.privateKey,
      hostKeyFingerprint: sshd!.fingerprint,
      directory: sshd!.directory,
      pattern: "daily-*.csv",
      ...poll,
    },
  };
  const response = await worker.fetch!(
    new Request("https://gateway.test/v1/admin/sources", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
      body: JSON.stringify(body),
    }) as Request<unknown, IncomingRequestCfProperties>,
    localEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  if (response.status !== 201) throw new Error(`create source: ${response.status} ${await response.text()}`);
  return (await response.json()) as SourceView;
}

/** Runs one pull now, in this isolate with the local-development outbound rule, and returns the job. */
async function pull(sourceId: string) {
  const jobs = new PollJobStore(env.DB);
  await jobs.ensure(sourceId, Date.now());
  const run = await jobs.runNow(sourceId, Date.now());
  if (!run) throw new Error("the job could not start");
  await runPollJob(localEnv, sourceId, run.runId);
  return pollJob(sourceId);
}

/**
 * One pull called directly (no job), with `settle` run between its two listings in place of the
 * pause: the test changes the directory in that window. Returns the imports started.
 */
async function pullWithSettle(sourceId: string, settle: () => Promise<void>): Promise<number> {
  const source = await new SourceStore(database(env.DB), env.SECRETS_KEY).get(sourceId, Date.now());
  return pollSftp(localEnv, source!, source!.config.poll as SftpPoll, Date.now(), undefined, { settle });
}

/** The source's file imports, newest first, once each has finished. */
async function finishedImports(sourceId: string, count: number) {
  const list = await eventually(async () => {
    const body = (await (await admin(`/v1/admin/sources/${sourceId}/file-imports`)).json()) as {
      data: { id: string; filename: string | null }[];
    };
    return body.data.length >= count ? body.data : undefined;
  }, 20_000);
  return Promise.all(list.map(async ({ id }) => importResult(id)));
}

describe.skipIf(!sshd)("SFTP pull against OpenSSH", () => {
  it("imports a new file once, a second run imports nothing, and a changed file is imported again", async () => {
    await files("PUT", "daily-1.csv", "email,first_name\nsftp1@example.com,One\n");
    await files("PUT", "notes.txt", "not a match");
    const source = await sftpSource();

    const first = await pull(source.id);
    expect(first).toMatchObject({ status: "idle", lastRunRecords: 1 });
    const [done] = await finishedImports(source.id, 1);
    expect(done).toMatchObject({ status: "completed", origin: "sftp", filename: "daily-1.csv", accepted: 1 });
    await keysWhenStored(source.id, 1);

    expect((await pull(source.id)).lastRunRecords).toBe(0);

    await files("PUT", "daily-1.csv", "email,first_name\nsftp1@example.com,One\nsftp2@example.com,Two\n");
    expect((await pull(source.id)).lastRunRecords).toBe(1);
    const imports = await finishedImports(source.id, 2);
    expect(imports.map((i) => i.status)).toEqual(["completed", "completed"]);
    expect(await files()).toContain("daily-1.csv"); // afterImport defaults to leave
    await files("DELETE", "daily-1.csv");
  });

  it("moves an imported file into processed/, or deletes it, as configured", async () => {
    await files("PUT", "daily-moved.csv", "email\nmoved@example.com\n");
    const moving = await sftpSource({ pattern: "daily-moved.csv", afterImport: "rename" });
    expect((await pull(moving.id)).lastRunRecords).toBe(1);
    expect(await files()).toContain("processed/daily-moved.csv");
    expect(await files()).not.toContain("daily-moved.csv");

    await files("PUT", "daily-gone.csv", "email\ngone@example.com\n");
    const deleting = await sftpSource({ pattern: "daily-gone.csv", afterImport: "delete" });
    expect((await pull(deleting.id)).lastRunRecords).toBe(1);
    expect(await files()).not.toContain("daily-gone.csv");
    expect((await finishedImports(deleting.id, 1))[0]!.status).toBe("completed");
  });

  it("moves a changed file into processed/ under a name tagged with its import id when the name is taken there", async () => {
    await files("PUT", "daily-twice.csv", "email\ntwice1@example.com\n");
    const source = await sftpSource({ pattern: "daily-twice.csv", afterImport: "rename" });
    expect((await pull(source.id)).lastRunRecords).toBe(1);
    expect(await files()).toContain("processed/daily-twice.csv");

    // The next day's file has the same name; processed/ already holds yesterday's.
    await files("PUT", "daily-twice.csv", "email\ntwice1@example.com\ntwice2@example.com\n");
    const second = await pull(source.id);
    expect(second).toMatchObject({ status: "idle", lastRunRecords: 1 });
    const imports = await finishedImports(source.id, 2);
    expect(imports.map((i) => i.status)).toEqual(["completed", "completed"]);
    const listed = await files();
    expect(listed).not.toContain("daily-twice.csv");
    expect(listed).toContain("processed/daily-twice.csv");
    expect(listed).toContain(`processed/daily-twice.${imports[0]!.id}.csv`);
  });

  it("refuses a server whose host key is not the configured one, and imports nothing", async () => {
    await files("PUT", "daily-mitm.csv", "email\nmitm@example.com\n");
    const source = await sftpSource({
      pattern: "daily-mitm.csv",
      hostKeyFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    });
    const job = await pull(source.id);
    expect(job.status).toBe("failed"); // never retried silently
    expect(job.lastError).toContain("host key mismatch");
    expect(job.lastError).toContain(sshd!.fingerprint.replace(/=+$/, ""));
    const list = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: unknown[];
    };
    expect(list.data).toEqual([]);
    await files("DELETE", "daily-mitm.csv");
  });

  it("records a wrong password as a rejected password, without the password", async () => {
    const source = await sftpSource({ privateKey: undefined, password: "not-the-password-1234" });
    const job = await pull(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toContain(
      `password rejected for user ${sshd!.username} on 127.0.0.1:${sshd!.port}`,
    );
    expect(job.lastError).not.toContain("private key");
    expect(job.lastError).not.toContain("not-the-password-1234");
  });

  it("records an unknown private key as a key not accepted, with its own message", async () => {
    const job = await pull((await sftpSource({ privateKey: sshd!.strangerKey })).id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toContain(
      `private key not accepted for user ${sshd!.username} on 127.0.0.1:${sshd!.port}`,
    );
    expect(job.lastError).not.toContain("password");
  });

  it("says both were refused when a wrong password and an unknown key are configured", async () => {
    const source = await sftpSource({ privateKey: sshd!.strangerKey, password: "not-the-password-5678" });
    const job = await pull(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toContain("password and private key both refused");
    expect(job.lastError).not.toContain("not-the-password-5678");
  });

  it("records a directory that does not exist, and an unreachable port, each with its own error", async () => {
    const missing = await pull((await sftpSource({ directory: `${sshd!.directory}/nope` })).id);
    expect(missing.status).toBe("failed");
    expect(missing.lastError).toContain("does not exist");
    // A closed port is a network failure: the run waits and retries, with the reason on the job.
    const closed = await pull((await sftpSource({ port: 1 })).id);
    expect(closed.status).toBe("waiting");
    expect(closed.lastError).toContain("unreachable");
  });

  it("records a directory the server refuses to list as permission denied", async () => {
    // sshd's SFTP server answers SSH_FX_PERMISSION_DENIED to every directory listing on this port.
    const job = await pull((await sftpSource({ port: sshd!.listDeniedPort })).id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toContain(`permission denied on directory ${sshd!.directory}`);
  });

  it("records a file the server refuses to open as permission denied, and imports nothing", async () => {
    await files("PUT", "daily-locked.csv", "email\nlocked@example.com\n");
    // Listing works on this port; opening a file is refused with SSH_FX_PERMISSION_DENIED.
    const source = await sftpSource({ port: sshd!.readDeniedPort, pattern: "daily-locked.csv" });
    const job = await pull(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toContain(`permission denied on file ${sshd!.directory}/daily-locked.csv`);
    const list = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: unknown[];
    };
    expect(list.data).toEqual([]);
    await files("DELETE", "daily-locked.csv");
  });

  it("records a file removed between the two listings as vanished, and imports nothing", async () => {
    await files("PUT", "daily-vanish.csv", "email\nvanish@example.com\n");
    const source = await sftpSource({ pattern: "daily-vanish.csv" });
    const run = pullWithSettle(source.id, async () => {
      await files("DELETE", "daily-vanish.csv");
    });
    await expect(run).rejects.toThrow(
      "file vanished: daily-vanish.csv was listed and then removed before it was read",
    );
    await expect(run).rejects.toMatchObject({ retryable: false });
    const list = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: unknown[];
    };
    expect(list.data).toEqual([]);
  });

  it("leaves a file whose size changes between the two listings for the next run, which imports it", async () => {
    await files("PUT", "daily-growing.csv", "email,first_name\ngrow1@example.com,One\n");
    const source = await sftpSource({ pattern: "daily-growing.csv" });
    // The writer is still appending while the pull looks twice.
    const first = await pullWithSettle(source.id, async () => {
      await files(
        "PUT",
        "daily-growing.csv",
        "email,first_name\ngrow1@example.com,One\ngrow2@example.com,Two\n",
      );
    });
    expect(first).toBe(0);
    const none = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: unknown[];
    };
    expect(none.data).toEqual([]);
    // The writer has finished: the next run sees the same size twice and imports the whole file.
    expect(await pullWithSettle(source.id, async () => undefined)).toBe(1);
    const [done] = await finishedImports(source.id, 1);
    expect(done).toMatchObject({ status: "completed", filename: "daily-growing.csv", accepted: 2 });
    await files("DELETE", "daily-growing.csv");
  });

  it("never shows the password or key, and refuses a loopback host outside local development", async () => {
    const source = await sftpSource({ password: "shown-nowhere-5678" });
    const refused = await admin("/v1/admin/sources", {
      json: {
        name: "x",
        type: "csv-file",
        secret: API_KEY,
        poll: {
          kind: "sftp",
          host: "127.0.0.1",
          username: "u",
          password: "p",
          hostKeyFingerprint: sshd!.fingerprint,
        },
      },
    });
    expect(((await refused.json()) as { code: string }).code).toBe("outbound_target_refused");
    const view = JSON.stringify(await (await admin(`/v1/admin/sources/${source.id}`)).json());
    expect(view).not.toContain("shown-nowhere-5678");
    expect(view).not.toContain("PRIVATE KEY");
    expect(view).toContain("[sealed]");
    const jobs = new PollJobStore(env.DB);
    await jobs.ensure(source.id, Date.now());
    const run = await jobs.runNow(source.id, Date.now());
    await runPollJob(env, source.id, run!.runId);
    expect((await pollJob(source.id)).lastError).toContain("not a public address");
  });
});
