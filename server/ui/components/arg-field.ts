/**
 * @module
 * One argument of a job's form as an HTML control, chosen by its JSON
 * Schema: text, number (min/max/step), checkbox, select for an enum,
 * textarea for lists (one item per line) and JSON objects, and a password
 * input for a secret, which never carries a value. The label says
 * "(required)" in words; the help text (description, type, constraints)
 * and a field's error are linked with `aria-describedby`.
 */
import type { ArgField } from "../form-args.ts"
import { html, type Html } from "../html.ts"

const typeWords: Record<string, string> = {
  string: "text", integer: "a whole number", number: "a number", boolean: "true or false", object: "a JSON object", array: "a list"
}

/** The `pattern` attribute, only where HTML means the same: browsers anchor it and compile it with the `v` flag. */
function htmlPattern(pattern: string | undefined): string | undefined {
  if (pattern === undefined || !pattern.startsWith("^") || !pattern.endsWith("$") || pattern.endsWith("\\$")) return undefined
  try {
    new RegExp(pattern, "v")
    return pattern
  } catch {
    return undefined
  }
}

/** The help line: description, then what the value must be. */
function helpText(f: ArgField): string {
  const parts: Array<string> = []
  if (f.description !== undefined) parts.push(f.description.endsWith(".") ? f.description : `${f.description}.`)
  if (f.secret) parts.push(f.hiddenDefault ? "Secret, never shown again; leave empty to use its default." : "Secret, never shown again.")
  else if (f.type === "array") parts.push(`A list of ${typeWords[f.items] ?? f.items}${f.items === "object" ? "s" : ""}: one item per line.`)
  else if (f.type === "object") parts.push("A JSON object.")
  else if (f.type === "integer" || f.type === "number") parts.push(`${f.type === "integer" ? "A whole number" : "A number"}.`)
  if (f.format !== undefined && f.format !== "secret") parts.push(`Format: ${f.format}.`)
  if (f.minimum !== undefined) parts.push(`At least ${f.minimum}.`)
  if (f.maximum !== undefined) parts.push(`At most ${f.maximum}.`)
  if (f.minLength !== undefined) parts.push(`At least ${f.minLength} characters.`)
  if (f.maxLength !== undefined) parts.push(`At most ${f.maxLength} characters.`)
  if (f.pattern !== undefined) parts.push(`Must match the pattern ${f.pattern}.`)
  if (f.minItems !== undefined) parts.push(`At least ${f.minItems} items.`)
  if (f.maxItems !== undefined) parts.push(`At most ${f.maxItems} items.`)
  return parts.join(" ")
}

const attr = (name: string, value: string | number | undefined): Html => (value === undefined ? html`` : html` ${name}="${String(value)}"`)
const flag = (name: string, on: boolean): Html => (on ? html` ${name}` : html``)
const optionText = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v))

function control(f: ArgField, id: string, values: ReadonlyArray<string>, common: Html): Html {
  const name = `arg.${f.name}`
  const first = values[0] ?? ""
  if (f.secret) {
    // No value attribute, ever: a secret typed once is not sent back to the browser.
    return html`<input type="password" autocomplete="off" id="${id}" name="${name}"${flag("required", f.required)}${common}>`
  }
  if (f.enum !== undefined && (f.type === "string" || f.type === "integer" || f.type === "number")) {
    const blank = f.default === undefined ? html`<option value="">${f.required ? "Choose…" : "(not given)"}</option>` : html``
    return html`<select id="${id}" name="${name}"${flag("required", f.required)}${common}>${blank}${
      f.enum.map((e) => html`<option value="${optionText(e)}"${flag("selected", optionText(e) === first)}>${optionText(e)}</option>`)
    }</select>`
  }
  switch (f.type) {
    case "boolean":
      return html`<input type="checkbox" id="${id}" name="${name}" value="true"${flag("checked", first === "true" || first === "on" || first === "1")}${common}>`
    case "integer":
    case "number":
      return html`<input type="number" id="${id}" name="${name}" value="${first}" step="${f.type === "integer" ? "1" : "any"}"${attr("min", f.minimum)}${attr("max", f.maximum)}${flag("required", f.required)}${common}>`
    case "array":
      return html`<textarea id="${id}" name="${name}" rows="${Math.min(12, Math.max(3, values.length + 1))}" data-items="${f.items}"${flag("required", f.required)}${common}>${values.join("\n")}</textarea>`
    case "object":
      return html`<textarea id="${id}" name="${name}" rows="${Math.min(16, Math.max(4, first.split("\n").length + 1))}" spellcheck="false" class="mono"${flag("required", f.required)}${common}>${first}</textarea>`
    default:
      return html`<input type="text" id="${id}" name="${name}" value="${first}"${attr("minlength", f.minLength)}${attr("maxlength", f.maxLength)}${attr("pattern", htmlPattern(f.pattern))}${flag("required", f.required)}${common}>`
  }
}

/**
 * The field: label, control, help and error.
 *
 * @since 0.1.0
 * @category components
 */
export function argField(f: ArgField, values: ReadonlyArray<string>, error: string | undefined): Html {
  const id = `arg-${f.name}`
  const help = helpText(f)
  const described = [help !== "" ? `${id}-help` : "", error !== undefined ? `${id}-error` : ""].filter((x) => x !== "").join(" ")
  const common = html`${attr("aria-describedby", described === "" ? undefined : described)}${error !== undefined ? html` aria-invalid="true"` : ""}`
  const label = html`<label for="${id}"><span class="mono">${f.name}</span>${f.required ? html` <span class="required">(required)</span>` : ""}</label>`
  const box = f.type === "boolean" && !f.secret && f.enum === undefined
  return html`<div class="field${box ? " field-check" : ""}${error !== undefined ? " field-invalid" : ""}">
${box ? html`${control(f, id, values, common)} ${label}` : html`${label}
${control(f, id, values, common)}`}
${help !== "" ? html`<p id="${id}-help" class="hint">${help}</p>` : ""}
${error !== undefined ? html`<p id="${id}-error" class="field-error">${error}</p>` : ""}
</div>`
}
