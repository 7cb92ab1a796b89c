import type { SourceView } from "../../routes/admin/source-schemas";
import {
  type FieldSpec,
  Fields,
  SecretField,
  SelectField,
  TextAreaField,
  TextField,
} from "../components/fields";
import { Form } from "../components/forms";
import { href } from "../env";
import { SFTP_SECRET_FIELDS, SftpFieldset, sftpPoll } from "./sources-sftp";

/** Source types an operator creates from the console (the bench-only `unauthenticated` is left out). */
export const CONSOLE_SOURCE_TYPES = [
  "standard-webhooks",
  "github",
  "shopify",
  "stripe",
  "slack",
  "twilio",
  "generic-hmac",
  "basic-auth",
  "bearer-token",
  "api-key",
  "app",
  "rest-poll",
  "csv-file",
] as const satisfies readonly SourceView["type"][];

/** One of {@link CONSOLE_SOURCE_TYPES}. */
export type ConsoleSourceType = (typeof CONSOLE_SOURCE_TYPES)[number];

/** What the secret field asks for, per type (null: the type has no secret). */
export const SECRET_HINTS: Record<ConsoleSourceType, string | null> = {
  "standard-webhooks": "The endpoint's signing secret, whsec_ followed by base64.",
  github: "The webhook's secret, as entered in the repository's or organization's webhook settings.",
  shopify: "The app's client secret (it signs X-Shopify-Hmac-Sha256).",
  stripe: "The endpoint's signing secret, whsec_…, from the Stripe dashboard.",
  slack: "The app's signing secret.",
  twilio: "The account's auth token (it signs X-Twilio-Signature).",
  "generic-hmac":
    "The shared HMAC key; set the signature header and format under advanced settings (genericHmac).",
  "basic-auth": "user:password, as the sender puts it in Authorization: Basic.",
  "bearer-token": "The token the sender sends as Authorization: Bearer <token>.",
  "api-key": "The key the sender sends in its API key header.",
  app: null,
  "rest-poll":
    "The key files are uploaded with, and the credential of the polled API if it needs one (see advanced).",
  "csv-file": "The key files are uploaded with (Authorization: Bearer <key>).",
};

/** Types whose events come through a mapping of their JSON payload. */
const MAPPED: ReadonlySet<ConsoleSourceType> = new Set([
  "standard-webhooks",
  "github",
  "shopify",
  "stripe",
  "slack",
  "twilio",
  "generic-hmac",
  "basic-auth",
  "bearer-token",
  "api-key",
  "rest-poll",
  "csv-file",
]);

/** Values of the create form (as posted; see {@link WRITE_ONLY_FIELDS} for what is never echoed back). */
export type SourceFormValues = Record<string, string>;

/** Form fields holding credentials: dropped before a form is re-rendered, and scrubbed from errors. */
export const WRITE_ONLY_FIELDS: readonly string[] = ["secret", "pollHeaders", ...SFTP_SECRET_FIELDS];

/**
 * The upload key of a csv-file source created for its SFTP pull with the key left empty: 32 random
 * bytes, base64url, never shown (the API requires a key for the type; rotating it sets a known one).
 */
function randomUploadKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function lines(text: string | undefined): string[] {
  return (text ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** "name = $.path" lines → { name: "$.path" }. @throws Error naming the bad line */
function pairs(text: string | undefined, what: string, sep = "="): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(text)) {
    const at = line.indexOf(sep);
    if (at < 1) throw new Error(`${what}: "${line}" is not name ${sep} value`);
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/**
 * The POST /v1/admin/sources body a create form describes: the structured fields (mapping, idempotency
 * key parts, poll settings) and then the advanced JSON on top, so any setting the form does not spell
 * out can still be given. The admin API validates the result; this only shapes it.
 * @throws Error with an operator-readable message when a field cannot be read
 */
export function sourceBody(form: SourceFormValues): Record<string, unknown> {
  const type = form.type as ConsoleSourceType;
  const body: Record<string, unknown> = { name: form.name ?? "", type };
  if (form.workspace?.trim()) body.workspace = form.workspace.trim();
  const sftp = type === "csv-file" ? sftpPoll(form) : undefined;
  if (SECRET_HINTS[type] !== null) body.secret = form.secret || (sftp ? randomUploadKey() : "");
  if (MAPPED.has(type)) {
    const mapping: Record<string, unknown> = {
      identifiers: pairs(form.identifiers, "Identifiers"),
      traits: pairs(form.traits, "Traits"),
      properties: pairs(form.properties, "Properties"),
    };
    for (const field of ["eventType", "occurredAt", "eventId"] as const)
      if (form[field]?.trim()) mapping[field] = form[field].trim();
    const used = Object.values(mapping).some(
      (v) => typeof v === "string" || Object.keys(v as object).length > 0,
    );
    if (used) body.mapping = mapping;
  }
  const parts = lines(form.idempotencyKey).map((part) =>
    part.toLowerCase().startsWith("header:") ? { header: part.slice(7).trim() } : { path: part },
  );
  if (parts.length > 0) body.idempotencyKey = { parts };
  if (form.pollKind === "api" || form.pollKind === "csv-url") {
    const poll: Record<string, unknown> = { kind: form.pollKind, url: form.pollUrl ?? "" };
    if (form.pollInterval?.trim()) poll.intervalSeconds = Number(form.pollInterval);
    if (form.pollKind === "api") {
      if (form.recordsPath?.trim()) poll.recordsPath = form.recordsPath.trim();
      if (form.recordId?.trim()) poll.recordId = form.recordId.trim();
      const headers = pairs(form.pollHeaders, "Poll headers", ":");
      if (Object.keys(headers).length > 0) poll.headers = headers;
    }
    body.poll = poll;
  }
  if (sftp) body.poll = sftp;
  if (form.advanced?.trim()) {
    let extra: unknown;
    try {
      extra = JSON.parse(form.advanced);
    } catch {
      throw new Error("Advanced settings: not valid JSON");
    }
    if (typeof extra !== "object" || extra === null || Array.isArray(extra))
      throw new Error("Advanced settings: a JSON object of source settings");
    Object.assign(body, extra);
  }
  return body;
}

/** The mapping fieldset's fields, for every type in {@link MAPPED}. */
const MAPPING_FIELDS: readonly FieldSpec[] = [
  { name: "eventType", label: "Event type (JSON path, or =literal)", hint: "e.g. $.type" },
  { name: "occurredAt", label: "Event time (JSON path)", hint: "e.g. $.created_at; default: when received" },
  { name: "eventId", label: "Event id (JSON path)", hint: "Optional: the sender's own event id" },
  {
    kind: "area",
    name: "identifiers",
    label: "Identifiers",
    hint: "One per line: type = $.path (e.g. email = $.customer.email)",
  },
  { kind: "area", name: "traits", label: "Traits", hint: "One per line: name = $.path" },
  {
    kind: "area",
    name: "properties",
    label: "Event properties",
    hint: "One per line: name = $.path",
    rows: 2,
  },
];

/** A `rest-poll` source's poll fields after "What to poll" (request headers, write-only, come after). */
const POLL_FIELDS: readonly FieldSpec[] = [
  { name: "pollUrl", label: "URL", hint: "https only; internal addresses are refused.", type: "url" },
  {
    name: "pollInterval",
    label: "Every (seconds)",
    hint: "At least 60; default 300.",
    type: "number",
    min: 60,
  },
  { name: "recordsPath", label: "Records (JSON path)", hint: "Where the page's records are; default $.data" },
  { name: "recordId", label: "Record id (JSON path)", hint: "Default $.id" },
];

/** The type picker: step one of creating a source (a GET form, so it works without script). */
export function TypePicker() {
  return (
    <Form action={href("/sources/new")} method="get" label="Choose the source type">
      <div>
        <label for="type">Source type</label>
        <select id="type" name="type" required>
          {CONSOLE_SOURCE_TYPES.map((t) => (
            <option value={t}>{t}</option>
          ))}
        </select>
        <p class="hint">The next step shows the settings that type needs.</p>
      </div>
      <div>
        <button type="submit">Continue</button>
      </div>
    </Form>
  );
}

/**
 * Step two: the fields that fit `type`: a secret with what it is for that sender (none for `app`, which
 * uses write keys), the mapping for JSON senders, the idempotency key, poll settings for `rest-poll`,
 * the SFTP pull for `csv-file`, and advanced settings as JSON for everything else the API accepts.
 * Secret fields never show a value (see {@link SecretField}).
 */
export function SourceForm({ type, values = {} }: { type: ConsoleSourceType; values?: SourceFormValues }) {
  const v = (name: string) => values[name] ?? "";
  const secretHint = SECRET_HINTS[type];
  return (
    <Form action={href("/sources")} label={`Create a ${type} source`}>
      <input type="hidden" name="type" value={type} />
      <TextField
        name="name"
        label="Name"
        hint="For operators, e.g. “Stripe production”."
        required
        maxlength={128}
        value={v("name")}
      />
      <TextField
        name="workspace"
        label="Workspace"
        hint="Lower-case letters, digits, _ and -; default: default."
        value={v("workspace") || "default"}
      />
      {secretHint !== null ? (
        <SecretField
          name="secret"
          label={type === "csv-file" ? "Upload key" : "Secret"}
          hint={`${secretHint} Write-only: it is never shown again.${
            type === "csv-file"
              ? " Optional with an SFTP pull: left empty, a random key nobody knows is set (rotate it on the source's page to upload)."
              : ""
          }`}
          required={type !== "csv-file"}
        />
      ) : (
        <p class="hint">App sources authenticate with write keys: create one on the source's page.</p>
      )}
      {MAPPED.has(type) ? (
        <fieldset>
          <legend>Mapping: how a payload becomes an event</legend>
          <Fields specs={MAPPING_FIELDS} values={values} />
        </fieldset>
      ) : null}
      <TextAreaField
        name="idempotencyKey"
        label="Idempotency key (optional)"
        hint="One part per line: header:Name or a JSON path ($.id). Empty: the sender's preset, else a hash of the body."
        rows={2}
        value={v("idempotencyKey")}
      />
      {type === "rest-poll" ? (
        <fieldset>
          <legend>Poll settings</legend>
          <SelectField
            name="pollKind"
            label="What to poll"
            value={v("pollKind")}
            options={[
              ["api", "A JSON API (pages of records)"],
              ["csv-url", "A CSV file at a URL"],
            ]}
          />
          <Fields specs={POLL_FIELDS} values={values} />
          <TextAreaField
            name="pollHeaders"
            label="Request headers"
            hint="One per line, Name: value (an API key, say). Stored sealed, shown redacted."
            rows={2}
          />
        </fieldset>
      ) : null}
      {type === "csv-file" ? <SftpFieldset values={values} /> : null}
      <TextAreaField
        name="advanced"
        label="Advanced settings (JSON, optional)"
        hint='Any other source setting of the admin API, e.g. {"toleranceSeconds": 600} or {"genericHmac": {"header": "x-sig"}}; see /docs.'
        value={v("advanced")}
      />
      <div>
        <button type="submit">Create source</button>
      </div>
    </Form>
  );
}
