import type { Child } from "hono/jsx";

/**
 * Labelled form fields for the console's stacked forms: each renders `<label for=name>`, the control
 * with `id` and `name` both set to `name`, and an optional hint the control is described by. The
 * create-source form is their first user; other forms can adopt them as they are touched.
 */

/** Props every field takes. */
interface FieldProps {
  /** The control's `name` (and `id`, so names must be unique on the page). */
  name: string;
  label: string;
  /** A line under the control, linked with aria-describedby. */
  hint?: string;
}

/** A label, a control and its hint, stacked (the wrapper the other fields use). */
export function Field({
  name,
  label,
  hint,
  children,
}: {
  name: string;
  label: string;
  hint?: string;
  children: Child;
}) {
  return (
    <div>
      <label for={name}>{label}</label>
      {children}
      {hint ? (
        <p class="hint" id={`${name}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

const describedBy = (name: string, hint?: string) => (hint ? `${name}-hint` : undefined);

/** A one-line text input (or another `type`: url, number) showing `value`. */
export function TextField({
  name,
  label,
  hint,
  value = "",
  type,
  required,
  maxlength,
  min,
  max,
  placeholder,
}: FieldProps & {
  value?: string;
  type?: "text" | "url" | "number";
  required?: boolean;
  maxlength?: number;
  min?: number;
  max?: number;
  placeholder?: string;
}) {
  return (
    <Field name={name} label={label} hint={hint}>
      <input
        id={name}
        name={name}
        type={type}
        value={value}
        required={required}
        maxlength={maxlength}
        min={min}
        max={max}
        placeholder={placeholder}
        aria-describedby={describedBy(name, hint)}
      />
    </Field>
  );
}

/** A multi-line text area showing `value`. */
export function TextAreaField({
  name,
  label,
  hint,
  value = "",
  rows = 3,
}: FieldProps & { value?: string; rows?: number }) {
  return (
    <Field name={name} label={label} hint={hint}>
      <textarea id={name} name={name} rows={rows} aria-describedby={describedBy(name, hint)}>
        {value}
      </textarea>
    </Field>
  );
}

/**
 * A write-only field for a secret (a password input, or a text area for a private key). It takes no
 * value on purpose: a form re-rendered after an error never carries a secret back to the browser.
 */
export function SecretField({
  name,
  label,
  hint,
  required,
  multiline,
}: FieldProps & { required?: boolean; multiline?: boolean }) {
  return (
    <Field name={name} label={label} hint={hint}>
      {multiline ? (
        <textarea
          id={name}
          name={name}
          rows={4}
          autocomplete="off"
          spellcheck={false}
          aria-describedby={describedBy(name, hint)}
        />
      ) : (
        <input
          id={name}
          name={name}
          type="password"
          autocomplete="off"
          required={required}
          aria-describedby={describedBy(name, hint)}
        />
      )}
    </Field>
  );
}

/** A select of `options` ([value, label] pairs) with `value` selected (the first when none matches). */
export function SelectField({
  name,
  label,
  hint,
  value,
  options,
}: FieldProps & { value?: string; options: readonly (readonly [string, string])[] }) {
  return (
    <Field name={name} label={label} hint={hint}>
      <select id={name} name={name} aria-describedby={describedBy(name, hint)}>
        {options.map(([v, text]) => (
          <option value={v} selected={v === value}>
            {text}
          </option>
        ))}
      </select>
    </Field>
  );
}

/**
 * One field of a {@link Fields} list: a text input (`kind` "text", the default) or text area
 * ("area") with its props; the value comes from the list's `values` by name.
 */
export type FieldSpec =
  | ({ kind?: "text" } & Omit<Parameters<typeof TextField>[0], "value">)
  | ({ kind: "area" } & Omit<Parameters<typeof TextAreaField>[0], "value">);

/** `specs` in order, each showing `values[name]` (a form re-rendered after an error keeps what was typed). */
export function Fields({ specs, values }: { specs: readonly FieldSpec[]; values: Record<string, string> }) {
  return (
    <>
      {specs.map((spec) =>
        spec.kind === "area" ? (
          <TextAreaField {...spec} value={values[spec.name] ?? ""} />
        ) : (
          <TextField {...spec} value={values[spec.name] ?? ""} />
        ),
      )}
    </>
  );
}
