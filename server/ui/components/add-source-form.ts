/**
 * @module
 * The "Add source" form: one fieldset per source type, and the mapping of
 * its fields to a source spec. The same table renders the controls (each
 * names its spec field in `data-spec`, which `assets/add-source.js` reads
 * to build the JSON for `POST /sources`) and turns a posted form into the
 * spec the engine gets, so the two ways in cannot drift apart.
 */
import { html, type Html } from "../html.ts"

/** A control of the form: its form name, the spec field it fills, its label. */
interface Field {
  readonly name: string
  readonly spec: string
  readonly label: string
  readonly kind: "text" | "checkbox" | "select"
  readonly options?: ReadonlyArray<string>
  readonly placeholder?: string
}

/** The fields of each source type, in the order they are shown. */
const fieldsByType: Readonly<Record<string, ReadonlyArray<Field>>> = {
  oci: [
    { name: "ref", spec: "ref", label: "Image reference", kind: "text", placeholder: "registry.example:5000/team/addon:1.0.0" },
    { name: "pull_policy", spec: "pull_policy", label: "Pull policy", kind: "select", options: ["", "on-add", "on-startup", "on-run", "always"] },
    { name: "platform", spec: "platform", label: "Platform (optional)", kind: "text", placeholder: "linux/amd64" },
    // The opt-in is explicit and off by default: an add-on runs the image's code.
    { name: "trusted", spec: "trusted", label: "I trust this image and the code it runs (trusted)", kind: "checkbox" }
  ],
  git: [
    { name: "git_url", spec: "url", label: "Repository URL", kind: "text", placeholder: "https://git.example/team/jobs.git" },
    { name: "git_ref", spec: "ref", label: "Branch, tag or commit (optional)", kind: "text" },
    { name: "git_path", spec: "path", label: "Directory in the repository (optional)", kind: "text" }
  ],
  local: [
    { name: "local_path", spec: "path", label: "Directory", kind: "text" }
  ]
}

const legends: Readonly<Record<string, string>> = { oci: "OCI add-on image", git: "Git repository", local: "Local directory" }

/** The source types the form offers. */
export const sourceTypes: ReadonlyArray<string> = Object.keys(fieldsByType)

/** What was typed into the form, by form name (kept to show the form again after a refusal). */
export type AddSourceValues = Readonly<Record<string, string>>

/**
 * The form's values out of a parsed body (`parseBody({ all: true })`):
 * strings only, the first of repeated fields.
 *
 * @since 0.1.0
 * @category components
 */
export function addSourceValues(body: Readonly<Record<string, unknown>>): AddSourceValues {
  const values: Record<string, string> = {}
  for (const name of ["type", "name", ...Object.values(fieldsByType).flat().map((f) => f.name)]) {
    const v = body[name]
    const first = Array.isArray(v) ? v[0] : v
    if (typeof first === "string") values[name] = first
  }
  return values
}

/**
 * The source spec the values describe: `type`, `name`, and the non-empty
 * fields of that type (the checkbox as a boolean). The engine validates it.
 *
 * @since 0.1.0
 * @category components
 */
export function specFromValues(values: AddSourceValues): { type: string; name: string; [field: string]: unknown } {
  const type = values.type ?? ""
  const spec: { type: string; name: string; [field: string]: unknown } = { type, name: (values.name ?? "").trim() }
  for (const f of fieldsByType[type] ?? []) {
    if (f.kind === "checkbox") spec[f.spec] = values[f.name] === "true"
    else if ((values[f.name] ?? "").trim() !== "") spec[f.spec] = (values[f.name] ?? "").trim()
  }
  return spec
}

function control(f: Field, values: AddSourceValues): Html {
  const id = `src-${f.name}`
  const value = values[f.name] ?? ""
  if (f.kind === "checkbox") {
    return html`<p class="check"><input type="checkbox" id="${id}" name="${f.name}" value="true" data-spec="${f.spec}"${value === "true" ? html` checked` : ""}> <label for="${id}">${f.label}</label></p>`
  }
  if (f.kind === "select") {
    return html`<p><label for="${id}">${f.label}</label>
<select id="${id}" name="${f.name}" data-spec="${f.spec}">${(f.options ?? []).map((o) => html`<option value="${o}"${o === value ? html` selected` : ""}>${o === "" ? "default (on-add)" : o}</option>`)}</select></p>`
  }
  return html`<p><label for="${id}">${f.label}</label>
<input type="text" id="${id}" name="${f.name}" value="${value}" data-spec="${f.spec}" autocomplete="off" spellcheck="false"${f.placeholder !== undefined ? html` placeholder="${f.placeholder}"` : ""}></p>`
}

/**
 * The form, posting to `/ui/sources` (it works without JavaScript: every
 * type's fieldset is shown and only the chosen type's fields are used).
 * `problem` is the box of a refused add, shown above the fields; the live
 * region receives the pull progress `add-source.js` draws.
 *
 * @since 0.1.0
 * @category components
 */
export function addSourceForm(o: { readonly csrf: Html; readonly values: AddSourceValues; readonly problem?: Html; readonly liveEvents: boolean }): Html {
  const chosen = o.values.type !== undefined && o.values.type in fieldsByType ? o.values.type : "oci"
  return html`<section aria-labelledby="h-add">
<h2 id="h-add">Add a source</h2>
<form id="add-source" class="add-source" method="post" action="/ui/sources"${o.liveEvents ? html` data-events="/events"` : ""}>
${o.csrf}
<div id="add-problem">${o.problem ?? ""}</div>
<p><label for="src-type">Type</label>
<select id="src-type" name="type">${sourceTypes.map((t) => html`<option value="${t}"${t === chosen ? html` selected` : ""}>${t}</option>`)}</select></p>
<p><label for="src-name">Name</label>
<input type="text" id="src-name" name="name" value="${o.values.name ?? ""}" required maxlength="63" autocomplete="off" spellcheck="false" aria-describedby="src-name-hint">
<span id="src-name-hint" class="hint">Lower-case letters, digits, <code>.</code>, <code>-</code> and <code>_</code>; its jobs are named <code>&lt;name&gt;/&lt;job&gt;</code>.</span></p>
${sourceTypes.map((t) => html`<fieldset data-type="${t}"><legend>${legends[t] ?? t} (type ${t})</legend>
${(fieldsByType[t] ?? []).map((f) => control(f, o.values))}
</fieldset>`)}
<p><button type="submit">Add source</button></p>
<div id="add-progress" class="progress" aria-live="polite"></div>
</form>
</section>`
}
