import { createHash } from "node:crypto";
import { Client, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { SUPPORTED_KEX, SUPPORTED_SERVER_HOST_KEY } from "ssh2/lib/protocol/constants.js";

/**
 * Why an SFTP operation failed, as an operator reads it on the job:
 * - `unreachable`: no TCP connection or no SSH handshake (DNS, refused, timeout);
 * - `authentication`: the server refused the username with this password / key;
 * - `host_key_mismatch`: the server's host key is not the configured one (never retried);
 * - `permission_denied`, `vanished`: an SFTP status for a directory or file;
 * - `protocol`: anything else the server or the library reported.
 */
export type SftpErrorKind =
  | "unreachable"
  | "authentication"
  | "host_key_mismatch"
  | "permission_denied"
  | "vanished"
  | "protocol";

/** An SFTP failure with its {@link SftpErrorKind}; the message never holds a credential. */
export class SftpError extends Error {
  constructor(
    readonly kind: SftpErrorKind,
    message: string,
  ) {
    super(message);
  }

  /** Worth retrying in a few minutes: only a network failure is. A wrong key or password is not. */
  get retryable(): boolean {
    return this.kind === "unreachable";
  }
}

/** Where and as whom to connect. `hostKeyFingerprint` is `SHA256:<base64>` as `ssh-keygen -l` prints it. */
export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  hostKeyFingerprint: string;
}

/** One directory entry: a regular file's name, size in bytes and modification time in seconds. */
export interface SftpEntry {
  name: string;
  size: number;
  mtime: number;
}

/**
 * The algorithms offered: those that run in workerd on `node:crypto` without ssh2's native binding
 * (AES-GCM and chacha20-poly1305 do not), and that OpenSSH 8+ accepts. Key exchange and host key
 * types are kept to those ssh2 found this runtime's `node:crypto` can do (in workerd, curve25519
 * key exchange is not among them; ecdh-sha2-nistp256 is).
 * @see https://www.rfc-editor.org/rfc/rfc8731 (curve25519-sha256), RFC 5656 (ecdh), RFC 4344 (aes-ctr),
 *   RFC 6668 (hmac-sha2), RFC 8709 (ssh-ed25519), RFC 8332 (rsa-sha2-256)
 */
const ALGORITHMS = {
  kex: ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256"].filter((a) =>
    SUPPORTED_KEX.includes(a),
  ),
  cipher: ["aes128-ctr", "aes256-ctr"],
  serverHostKey: ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256"].filter((a) =>
    SUPPORTED_SERVER_HOST_KEY.includes(a),
  ),
  hmac: ["hmac-sha2-256"],
  compress: ["none"],
} as ConnectConfig["algorithms"];

/** Seconds allowed for TCP connect + SSH handshake + authentication. */
const READY_TIMEOUT_MS = 20_000;
/** Bytes asked for per SFTP read: OpenSSH answers at most 255 KiB; 64 KiB keeps memory small. */
export const READ_CHUNK_BYTES = 64 * 1024;

/** `SHA256:<unpadded base64>` of a host key blob, as OpenSSH prints fingerprints. */
export function fingerprintOf(key: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** An open SFTP session: list, read, rename, delete; `close()` ends the SSH connection. */
export class SftpSession {
  private constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
  ) {}

  /**
   * Connects, checks the host key, authenticates and opens the SFTP subsystem.
   * @throws SftpError unreachable | authentication | host_key_mismatch | protocol
   */
  static open(target: SftpTarget): Promise<SftpSession> {
    const expected = target.hostKeyFingerprint.replace(/=+$/, "");
    let mismatch: string | null = null;
    // The credentials offered, in ssh2's order (password, then key), and those the server did not
    // even accept as a method: the error names what was refused.
    const configured: Credential[] = [];
    if (target.password !== undefined) configured.push("password");
    if (target.privateKey !== undefined) configured.push("publickey");
    const tried: Credential[] = [];
    const unoffered: Credential[] = [];
    const client = new Client();
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: SftpError) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(error);
      };
      client.on("error", (error: Error & { level?: string }) => {
        if (mismatch !== null)
          return fail(
            new SftpError(
              "host_key_mismatch",
              `host key mismatch: ${target.host} presented ${mismatch}, expected ${expected}; connection refused`,
            ),
          );
        if (error.level === "client-authentication")
          return fail(new SftpError("authentication", authFailure(target, tried, unoffered)));
        if (
          error.level === "client-socket" ||
          error.level === "client-timeout" ||
          error.level === "client-dns"
        )
          return fail(
            new SftpError("unreachable", `${target.host}:${target.port} unreachable: ${error.message}`),
          );
        fail(new SftpError("protocol", `SSH error from ${target.host}: ${error.message}`));
      });
      client.on("close", () =>
        fail(new SftpError("unreachable", `${target.host}:${target.port} closed the connection`)),
      );
      client.on("ready", () => {
        client.sftp((error, sftp) => {
          if (error) return fail(new SftpError("protocol", `SFTP subsystem refused: ${error.message}`));
          settled = true;
          resolve(new SftpSession(client, sftp));
        });
      });
      try {
        client.connect({
          host: target.host.replace(/^\[(.*)\]$/, "$1"),
          port: target.port,
          username: target.username,
          password: target.password,
          privateKey: target.privateKey,
          readyTimeout: READY_TIMEOUT_MS,
          // "none" first (as ssh2 does by default) to learn the server's methods, then each
          // configured credential the server offers.
          // (ssh2 calls it first with `null` methods and takes `false` as "give up"; its types say neither.)
          authHandler: ((
            methodsLeft: string[] | null,
            _partial: unknown,
            next: (m: string | false) => void,
          ) => {
            if (methodsLeft === null) return next("none");
            while (configured.length > 0) {
              const method = configured.shift()!;
              if (!methodsLeft.includes(method)) {
                unoffered.push(method);
                continue;
              }
              tried.push(method);
              return next(method);
            }
            next(false);
          }) as unknown as ConnectConfig["authHandler"],
          algorithms: ALGORITHMS,
          // Refuses any key but the configured one, before authentication: a man in the middle never
          // sees the password.
          hostVerifier: (key: Buffer) => {
            const actual = fingerprintOf(key);
            if (actual === expected) return true;
            mismatch = actual;
            return false;
          },
        });
      } catch (error) {
        fail(new SftpError("protocol", `SSH settings refused: ${(error as Error).message}`));
      }
    });
  }

  /** Regular files directly in `directory`. @throws SftpError permission_denied | vanished | protocol */
  list(directory: string): Promise<SftpEntry[]> {
    return new Promise((resolve, reject) => {
      this.sftp.readdir(directory, (error, entries) => {
        if (error) return reject(statusError(error, `directory ${directory}`));
        resolve(
          entries
            .filter((e) => e.attrs.isFile())
            .map((e) => ({ name: e.filename, size: e.attrs.size, mtime: e.attrs.mtime })),
        );
      });
    });
  }

  /**
   * The file at `path` as a byte stream read {@link READ_CHUNK_BYTES} at a time on demand, so memory
   * stays bounded whatever the file's size. A read failure errors the stream with an {@link SftpError}.
   * @throws SftpError when the file cannot be opened
   */
  async read(path: string): Promise<ReadableStream<Uint8Array>> {
    const sftp = this.sftp;
    const handle = await new Promise<Buffer>((resolve, reject) =>
      sftp.open(path, "r", (error, h) => (error ? reject(statusError(error, `file ${path}`)) : resolve(h))),
    );
    let position = 0;
    const close = () => new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
    return new ReadableStream<Uint8Array>(
      {
        pull: (controller) =>
          new Promise<void>((resolve) => {
            const buffer = Buffer.alloc(READ_CHUNK_BYTES);
            sftp.read(handle, buffer, 0, READ_CHUNK_BYTES, position, (error, bytesRead) => {
              // End of file is reported as an EOF status or as zero bytes, depending on the server.
              if ((error && (error as { code?: number }).code === 1) || (!error && bytesRead === 0)) {
                void close().then(() => {
                  controller.close();
                  resolve();
                });
                return;
              }
              if (error) {
                void close();
                controller.error(statusError(error, `file ${path}`));
                return resolve();
              }
              position += bytesRead;
              controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
              resolve();
            });
          }),
        cancel: () => close(),
      },
      { highWaterMark: 0 },
    );
  }

  /** Moves `from` to `to`, creating `to`'s directory when missing. @throws SftpError */
  async rename(from: string, to: string): Promise<void> {
    const dir = to.slice(0, to.lastIndexOf("/"));
    await new Promise<void>((resolve) => this.sftp.mkdir(dir, () => resolve())); // exists: fine
    await new Promise<void>((resolve, reject) =>
      this.sftp.rename(from, to, (error) => (error ? reject(statusError(error, `file ${from}`)) : resolve())),
    );
  }

  /** Deletes `path`. @throws SftpError */
  remove(path: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sftp.unlink(path, (error) => (error ? reject(statusError(error, `file ${path}`)) : resolve())),
    );
  }

  /** Ends the SSH connection. */
  close(): void {
    this.client.end();
  }
}

/** A credential kind as SSH names its authentication method (RFC 4252 section 7, 8). */
type Credential = "password" | "publickey";

/**
 * Which credentials the server refused, for the job's error: "password rejected for user u on h:22",
 * "private key not accepted …", both, or the methods the server does not offer at all. Never the
 * credential itself.
 */
function authFailure(target: SftpTarget, tried: Credential[], unoffered: Credential[]): string {
  const where = `for user ${target.username} on ${target.host}:${target.port}`;
  const name = (c: Credential) => (c === "password" ? "password" : "private key");
  const parts: string[] = [];
  if (tried.length === 2) parts.push(`authentication failed: password and private key both refused ${where}`);
  else if (tried[0] === "password") parts.push(`authentication failed: password rejected ${where}`);
  else if (tried[0] === "publickey") parts.push(`authentication failed: private key not accepted ${where}`);
  else parts.push(`authentication failed ${where}: no configured credential could be offered`);
  for (const c of unoffered)
    parts.push(`the server does not offer ${c} authentication, so the ${name(c)} was not tried`);
  return parts.join("; ");
}

/** An SFTP status (RFC draft-ietf-secsh-filexfer-02 section 7) as an {@link SftpError}. */
function statusError(error: Error & { code?: number }, what: string): SftpError {
  if (error.code === 2)
    return new SftpError("vanished", `${what} does not exist (it vanished or was never there)`);
  if (error.code === 3) return new SftpError("permission_denied", `permission denied on ${what}`);
  return new SftpError("protocol", `SFTP error on ${what}: ${error.message}`);
}
