import type { PropsWithChildren } from "hono/jsx";
import { useRequestContext } from "hono/jsx-renderer";
import type { ConsoleEnv } from "../env";
import { CSRF_FIELD } from "../guard";

/** The hidden field carrying the session's CSRF token; every console form that posts includes it. */
export function CsrfField() {
  const c = useRequestContext<ConsoleEnv>();
  return <input type="hidden" name={CSRF_FIELD} value={c.get("csrfToken")} />;
}

/** Props of {@link Form}. */
export interface FormProps {
  /** A console URL (`href("/sources")`); the CSP's form-action allows nothing else. */
  action: string;
  /** "post" (default) for actions; "get" for search forms, which carry no CSRF token. */
  method?: "post" | "get";
  /** "stack" (default: labelled fields one under another) or "inline" (a single button). */
  layout?: "stack" | "inline";
  /** Set for file uploads. */
  enctype?: "multipart/form-data";
  /** An accessible name when the page has several forms. */
  label?: string;
}

/**
 * A console form. POST forms get the CSRF field; handle them with `app.post(...)` (the CSRF guard has
 * already checked token and origin) and answer with `redirectWithFlash` (post/redirect/get).
 */
export function Form({
  action,
  method = "post",
  layout = "stack",
  enctype,
  label,
  children,
}: PropsWithChildren<FormProps>) {
  return (
    <form method={method} action={action} class={layout} enctype={enctype} aria-label={label}>
      {method === "post" ? <CsrfField /> : null}
      {children}
    </form>
  );
}

/** Props of {@link ConfirmForm}. */
export interface ConfirmFormProps {
  action: string;
  /** The exact words the operator types (e.g. the source's name); checked again by the server. */
  expected: string;
  /** What the action does, e.g. "Delete source". */
  submitLabel: string;
}

/**
 * The confirm-with-typed-text pattern for destructive actions (delete a source, erase a profile): the
 * operator types `expected` into the field "confirm"; the client script keeps the button disabled until
 * it matches, and the action handler checks it with {@link typedConfirmationMatches} (the real check:
 * the script is only a convenience).
 */
export function ConfirmForm({
  action,
  expected,
  submitLabel,
  children,
}: PropsWithChildren<ConfirmFormProps>) {
  return (
    <form method="post" action={action} class="stack" data-confirm-text={expected}>
      <CsrfField />
      {children}
      <div>
        <label for="confirm">
          Type <code>{expected}</code> to confirm
        </label>
        <input id="confirm" name="confirm" autocomplete="off" spellcheck={false} required />
      </div>
      <div>
        <button type="submit" class="danger">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

/** True when the posted form's "confirm" field is exactly `expected` (see {@link ConfirmForm}). */
export function typedConfirmationMatches(body: Record<string, unknown>, expected: string): boolean {
  return typeof body.confirm === "string" && body.confirm === expected;
}

/**
 * The workspace chooser on pages that show one workspace at a time: a GET form to `action` with a
 * `workspace` field (the page reads it from the query, defaulting to `default`).
 */
export function WorkspacePicker({ action, workspace }: { action: string; workspace: string }) {
  return (
    <Form action={action} method="get" layout="inline" label="Workspace">
      <label for="workspace">Workspace</label>
      <input
        id="workspace"
        name="workspace"
        value={workspace}
        pattern="[a-z0-9][a-z0-9_\-]{0,62}"
        autocomplete="off"
      />
      <button type="submit" class="secondary">
        Show
      </button>
    </Form>
  );
}
