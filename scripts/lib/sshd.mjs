// A throwaway OpenSSH server for `npm run demo` and the SFTP bench, set up as the tests' harness
// (test/support/sshd-server.ts) does: a loopback port, a temporary host key, the current user with a
// temporary key, a temporary directory. Debian's openssh-server provides /usr/sbin/sshd.
//
//   const sshd = await startSshd();   // null when sshd or ssh-keygen is missing
//   writeFileSync(path.join(sshd.directory, "daily.csv"), "email\na@example.com\n");
//   ... sshd.port, sshd.username, sshd.privateKey, sshd.fingerprint ...
//   await sshd.stop();
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

/** Where Debian's openssh-server puts the daemon. */
export const SSHD = "/usr/sbin/sshd";

/** What to tell someone whose machine has no sshd. */
export const INSTALL_HINT =
  "install OpenSSH's server (Debian/Ubuntu: sudo apt-get install -y openssh-server); the demo starts its own throwaway sshd on a loopback port, no service needed";

/**
 * Starts sshd in the foreground on a free loopback port.
 * @returns {Promise<null | { port: number, username: string, privateKey: string, fingerprint: string,
 *   directory: string, pid: number, stop: () => Promise<void> }>} null when sshd or ssh-keygen is missing
 * @throws Error when sshd does not listen within 10 s (with its stderr)
 */
export async function startSshd() {
  if (!existsSync(SSHD) || spawnSync("ssh-keygen", ["-?"]).error) return null;
  const root = mkdtempSync(path.join(tmpdir(), "tributary-demo-sshd-"));
  const hostKey = path.join(root, "host_ed25519");
  const userKey = path.join(root, "user_ed25519");
  for (const file of [hostKey, userKey])
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file], { stdio: "ignore" });
  writeFileSync(path.join(root, "authorized_keys"), readFileSync(`${userKey}.pub`));
  const fingerprint = spawnSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${hostKey}.pub`])
    .stdout.toString()
    .split(" ")[1];
  const directory = path.join(root, "drop");
  mkdirSync(directory);
  const port = await freePort();
  writeFileSync(
    path.join(root, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(root, "authorized_keys")}`,
      `PidFile ${path.join(root, "sshd.pid")}`,
      "PermitRootLogin yes",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  // sshd refuses to start without its privilege separation directory (the Debian service creates it).
  if (!existsSync("/run/sshd")) spawnSync("mkdir", ["-p", "-m", "0755", "/run/sshd"]);
  const server = spawn(SSHD, ["-D", "-e", "-f", path.join(root, "sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  server.stderr.on("data", (chunk) => {
    stderr += chunk.toString();
  });
  if (!(await listening(port))) {
    server.kill();
    rmSync(root, { recursive: true, force: true });
    throw new Error(`sshd did not listen on ${port}: ${stderr.slice(0, 500)}`);
  }
  return {
    port,
    username: userInfo().username,
    privateKey: readFileSync(userKey, "utf8"),
    fingerprint,
    directory,
    pid: server.pid,
    async stop() {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill();
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function listening(port) {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
