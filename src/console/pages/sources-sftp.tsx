import type { PollJobView } from "../../routes/admin/poll-job-schemas";
import type { SourceView } from "../../routes/admin/source-schemas";
import { type FieldSpec, Fields, SecretField, SelectField } from "../components/fields";
import { Time } from "../components/time";
import { href } from "../env";

/**
 * The SFTP pull of a csv-file source in the console: the create form's fieldset, the admin API `poll`
 * settings it builds (`kind: "sftp"`, see PollConfigSchema in src/sources/poll-config.ts), and the
 * source page's read-only summary with the last pull.
 */

/** The create form's SFTP field names, in form order. */
export const SFTP_FIELDS = [
  "sftpHost",
  "sftpPort",
  "sftpUsername",
  "sftpPassword",
  "sftpPrivateKey",
  "sftpHostKeyFingerprint",
  "sftpDirectory",
  "sftpPattern",
  "sftpInterval",
  "sftpAfterImport",
] as const;

/** SFTP fields that hold credentials: never echoed back into a re-rendered form, never shown. */
export const SFTP_SECRET_FIELDS = ["sftpPassword", "sftpPrivateKey"] as const;

/** Schedule choices ([seconds, label]); "" leaves the API default (300 s). */
const SCHEDULES = [
  ["", "Every 5 minutes (default)"],
  ["900", "Every 15 minutes"],
  ["3600", "Every hour"],
  ["21600", "Every 6 hours"],
  ["86400", "Once a day"],
] as const;

/** After-import actions ([API value, label]). */
const AFTER_IMPORT = [
  ["leave", "Leave it (it is never imported twice unless it changes)"],
  ["rename", "Move it into processed/"],
  ["delete", "Delete it"],
] as const;

/** The server's address and login (the password and key follow, write-only). */
const SERVER_FIELDS: readonly FieldSpec[] = [
  {
    name: "sftpHost",
    label: "Host",
    hint: "Host name or IP address (IPv6 in brackets); internal addresses are refused.",
  },
  { name: "sftpPort", label: "Port", type: "number", min: 1, max: 65535, placeholder: "22" },
  { name: "sftpUsername", label: "Username", maxlength: 128 },
];

/** The server's identity and where the files are (placeholders: the API's defaults). */
const FILE_FIELDS: readonly FieldSpec[] = [
  {
    name: "sftpHostKeyFingerprint",
    label: "Host key fingerprint (required with a host)",
    hint: "SHA256:… as ssh-keygen -lf prints it for the server's host key; any other key is refused.",
  },
  {
    name: "sftpDirectory",
    label: "Directory",
    hint: "Listed on each run, not recursively; default: the login directory.",
    placeholder: ".",
  },
  {
    name: "sftpPattern",
    label: "File name pattern",
    hint: "* and ? wildcards; default *.csv.",
    placeholder: "*.csv",
  },
];

/** True when the posted form turns the SFTP pull on (a host is given). */
function sftpWanted(form: Record<string, string>): boolean {
  return (form.sftpHost ?? "").trim() !== "";
}

/**
 * The admin API's `poll` settings for an SFTP pull, from the create form: undefined when no host is
 * given. Empty optional fields are left out so the API's defaults apply (port 22, directory ".",
 * pattern "*.csv", every 300 s, leave). The API validates the rest (host syntax, fingerprint format,
 * a password or a key).
 * @throws Error with an operator-readable message when SFTP fields are filled without a host, the host
 *   key fingerprint is missing, or the port is not a number
 */
export function sftpPoll(form: Record<string, string>): Record<string, unknown> | undefined {
  const value = (name: (typeof SFTP_FIELDS)[number]) => (form[name] ?? "").trim();
  if (!sftpWanted(form)) {
    const stray = ["sftpUsername", "sftpPassword", "sftpPrivateKey", "sftpHostKeyFingerprint"] as const;
    if (stray.some((name) => value(name) !== ""))
      throw new Error("SFTP: give the server's host, or clear the other SFTP fields");
    return undefined;
  }
  if (value("sftpHostKeyFingerprint") === "")
    throw new Error(
      "SFTP: the server's host key fingerprint is required (ssh-keygen -lf on the server's public host key prints it)",
    );
  const poll: Record<string, unknown> = {
    kind: "sftp",
    host: value("sftpHost"),
    username: value("sftpUsername"),
    hostKeyFingerprint: value("sftpHostKeyFingerprint"),
  };
  if (value("sftpPort")) {
    const port = Number(value("sftpPort"));
    if (!Number.isInteger(port)) throw new Error("SFTP: the port is a whole number (22 by default)");
    poll.port = port;
  }
  // Passwords are taken as typed (spaces may be part of one); a pasted key gets Unix line ends.
  if ((form.sftpPassword ?? "") !== "") poll.password = form.sftpPassword;
  if (value("sftpPrivateKey")) poll.privateKey = `${value("sftpPrivateKey").replace(/\r\n?/g, "\n")}\n`;
  if (value("sftpDirectory")) poll.directory = value("sftpDirectory");
  if (value("sftpPattern")) poll.pattern = value("sftpPattern");
  if (value("sftpInterval")) poll.intervalSeconds = Number(value("sftpInterval"));
  if (value("sftpAfterImport")) poll.afterImport = value("sftpAfterImport");
  return poll;
}

/**
 * The create form's SFTP fieldset, showing `values` as typed; the password and key fields are always
 * empty (see {@link SecretField}).
 */
export function SftpFieldset({ values }: { values: Record<string, string> }) {
  const v = (name: string) => values[name] ?? "";
  return (
    <fieldset>
      <legend>SFTP pull (optional): fetch the day's file from a server</legend>
      <p class="hint">
        Leave the host empty for uploads only. With a host, each run lists the directory and imports every
        matching file not imported yet (a changed file is imported again).
      </p>
      <Fields specs={SERVER_FIELDS} values={values} />
      <SecretField
        name="sftpPassword"
        label="Password"
        hint="A password and/or a private key. Write-only: stored sealed, never shown again."
      />
      <SecretField
        name="sftpPrivateKey"
        label="Private key"
        hint="OpenSSH or PEM, unencrypted. Write-only: stored sealed, never shown again."
        multiline
      />
      <Fields specs={FILE_FIELDS} values={values} />
      <SelectField name="sftpInterval" label="Schedule" value={v("sftpInterval")} options={SCHEDULES} />
      <SelectField
        name="sftpAfterImport"
        label="After a file is imported"
        value={v("sftpAfterImport") || "leave"}
        options={AFTER_IMPORT}
      />
    </fieldset>
  );
}

/** The SFTP poll settings of a source as the API shows them (credentials redacted). */
export type SftpPollView = Extract<NonNullable<SourceView["poll"]>, { kind: "sftp" }>;

const every = (seconds: number) =>
  SCHEDULES.find(([s]) => s === String(seconds))?.[1] ?? `Every ${seconds.toLocaleString("en")} seconds`;

/**
 * A source's SFTP settings and last pull, for its page. Credentials appear only as "password set" /
 * "key set": the API already redacts them, and this never prints the redacted values either.
 */
export function SftpSummary({ poll, job }: { poll: SftpPollView; job: PollJobView | null }) {
  const credentials = [poll.password ? "password set" : null, poll.privateKey ? "key set" : null].filter(
    (c) => c !== null,
  );
  return (
    <section aria-labelledby="sftp">
      <h2 id="sftp">SFTP pull</h2>
      <dl class="facts" data-testid="sftp-settings">
        <dt>Server</dt>
        <dd>
          <code>{`${poll.username}@${poll.host}:${poll.port}`}</code>
        </dd>
        <dt>Credentials</dt>
        <dd>{credentials.join(", ") || "none"}</dd>
        <dt>Host key</dt>
        <dd>
          <code>{poll.hostKeyFingerprint}</code>
        </dd>
        <dt>Files</dt>
        <dd>
          <code>{poll.pattern}</code> in <code>{poll.directory}</code>
        </dd>
        <dt>Schedule</dt>
        <dd>{every(poll.intervalSeconds)}</dd>
        <dt>After import</dt>
        <dd>{AFTER_IMPORT.find(([a]) => a === poll.afterImport)?.[1] ?? poll.afterImport}</dd>
      </dl>
      <h3>Last pull</h3>
      <LastPull job={job} />
      <p>
        <a href={href("/pull")}>Poll jobs</a> (run now, pause) and the files imported are on the Pull page.
      </p>
    </section>
  );
}

/** When the last pull ran, how it ended and its error (from the source's poll job). */
function LastPull({ job }: { job: PollJobView | null }) {
  if (!job?.lastRunAt) return <p class="muted">No pull has run yet.</p>;
  const failed = job.lastError !== null && job.lastErrorAt !== null && job.lastErrorAt >= job.lastRunAt;
  return (
    <dl class="facts" data-testid="sftp-last-pull">
      <dt>Started</dt>
      <dd>
        <Time value={job.lastRunAt} />
      </dd>
      <dt>Outcome</dt>
      <dd>
        {job.status === "running"
          ? "running"
          : failed
            ? "failed"
            : `succeeded, ${(job.lastRunRecords ?? 0).toLocaleString("en")} new file(s) imported`}
      </dd>
      {job.lastError ? (
        <>
          <dt>Last error</dt>
          <dd>
            {job.lastError} <Time value={job.lastErrorAt} />
          </dd>
        </>
      ) : null}
      <dt>Next run</dt>
      <dd>{job.paused ? "paused" : <Time value={job.nextRunAt} />}</dd>
    </dl>
  );
}
