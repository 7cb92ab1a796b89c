import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

/** What the SFTP tests need to reach the server; `port` is 0 when sshd is not installed. */
export interface SshdInfo {
  port: number;
  username: string;
  /** The server's host key fingerprint, `SHA256:...`. */
  fingerprint: string;
  /** The user's private key (its public half is in authorized_keys). */
  privateKey: string;
  /** A key the server does not know. */
  strangerKey: string;
  /**
   * The same server on two more ports where OpenSSH's own SFTP server refuses, with its
   * SSH_FX_PERMISSION_DENIED status, listing directories (`listDeniedPort`) or opening files
   * (`readDeniedPort`). The tests run as root, which reads a chmod 000 file, so file modes cannot
   * make a permission denial; `internal-sftp -P` (its request deny list) can.
   */
  listDeniedPort: number;
  readDeniedPort: number;
  /** Absolute directory the files are in (the SFTP path is the same). */
  directory: string;
  /**
   * Loopback URL that manages the directory from Node (workerd cannot touch the disk): `PUT /<name>`
   * writes the body, `DELETE /<name>` removes it, `GET /` answers the JSON list of relative paths.
   */
  controlUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    /** JSON of {@link SshdInfo}; "" when OpenSSH's sshd is not installed. */
    sshd: string;
  }
}

const SSHD = "/usr/sbin/sshd";

/**
 * Global setup (runs in Node, beside workerd): a real OpenSSH server (Debian `openssh-server`) on a
 * loopback port with a temporary host key, the current user authenticated by a temporary key (password
 * authentication is on, and the tests' passwords are wrong), and a temporary directory. The tests pull from it
 * inside workerd. Without sshd the info is "" and the tests are skipped, unless REQUIRE_SSHD=1 (`.ci/run`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(SSHD) || spawnSync("ssh-keygen", ["-?"]).error) {
    if (process.env.REQUIRE_SSHD === "1")
      throw new Error("sshd is required (apt-get install openssh-server)");
    project.provide("sshd", "");
    return async () => undefined;
  }
  const root = mkdtempSync(path.join(tmpdir(), "tributary-sshd-"));
  const hostKey = path.join(root, "host_ed25519");
  const userKey = path.join(root, "user_ed25519");
  const strangerKey = path.join(root, "stranger_ed25519");
  for (const file of [hostKey, userKey, strangerKey])
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdio: "ignore" });
  writeFileSync(path.join(root, "authorized_keys"), readFileSync(`${userKey}.pub`));
  const fingerprint = spawnSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKey}.pub`])
    .stdout.toString()
    .split(" ")[1]!;
  const directory = path.join(root, "drop");
  spawnSync("mkdir", ["-p", directory]);
  const port = await freePort();
  const listDeniedPort = await freePort();
  const readDeniedPort = await freePort();
  const username = userInfo().username;
  writeFileSync(
    path.join(root, "sshd_config"),
    [
      `Port ${port}`,
      `Port ${listDeniedPort}`,
      `Port ${readDeniedPort}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(root, "authorized_keys")}`,
      `PidFile ${path.join(root, "sshd.pid")}`,
      "PermitRootLogin yes",
      "PubkeyAuthentication yes",
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "Subsystem sftp internal-sftp",
      `Match LocalPort ${listDeniedPort}`,
      "  ForceCommand internal-sftp -P opendir,readdir",
      `Match LocalPort ${readDeniedPort}`,
      "  ForceCommand internal-sftp -P open",
      "",
    ].join("\n"),
  );
  // sshd refuses to start without its privilege separation directory (the Debian service creates it).
  if (!existsSync("/run/sshd")) spawnSync("mkdir", ["-p", "-m", "0755", "/run/sshd"]);
  const server: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", path.join(root, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (process.env.VERBOSE) process.stderr.write(chunk);
  });
  await Promise.all([port, listDeniedPort, readDeniedPort].map(waitForPort)).catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr}`);
  });
  const control = createHttpServer((request, response) => {
    const name = decodeURIComponent((request.url ?? "/").slice(1));
    if (name.includes("..")) return response.writeHead(400).end();
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      if (request.method === "PUT") writeFileSync(path.join(directory, name), Buffer.concat(chunks));
      else if (request.method === "DELETE") rmSync(path.join(directory, name), { force: true });
      const files = (readdirSync(directory, { recursive: true }) as string[]).sort();
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(files));
    });
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const info: SshdInfo = {
    controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    port,
    listDeniedPort,
    readDeniedPort,
    username,
    fingerprint,
    privateKey: readFileSync(userKey, "utf8"),
    strangerKey: readFileSync(strangerKey, "utf8"),
    directory,
  };
  project.provide("sshd", JSON.stringify(info));
  return async () => {
    control.close();
    server.kill();
    rmSync(root, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd did not listen on ${port}`);
}
