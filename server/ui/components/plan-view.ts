/**
 * @module
 * A plan as the job page previews it: profile, executor (kind, whether it
 * is available here, and its details: sandbox settings, containment,
 * enforcement, bounds), provenance, warnings, the resolved arguments as the
 * plan holds them (secrets are already `***`) and the steps. Nested values
 * are shown as compact JSON.
 */
import type { Plan } from "../../../core/mod.ts"
import { html, type Html } from "../html.ts"
import { kvTable, type KvRow } from "./kv-table.ts"

/** A value of a details table: text for scalars, JSON in `<code>` for the rest. */
function value(v: unknown): string | Html {
  if (typeof v === "string") return v
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v)
  return html`<code>${JSON.stringify(v)}</code>`
}

const rows = (record: Readonly<Record<string, unknown>>): Array<KvRow> => Object.entries(record).map(([k, v]) => [k, value(v)])

/**
 * The preview section, headed "Plan preview".
 *
 * @since 0.1.0
 * @category components
 */
export function planView(plan: Plan): Html {
  const args = Object.entries(plan.args)
  const details = rows(plan.executor.details)
  return html`<section class="plan" aria-labelledby="h-plan">
<h2 id="h-plan">Plan preview</h2>
${kvTable([
    ["Job", html`<span class="mono">${plan.job_id}</span>`],
    ["Profile", plan.profile],
    ["Executor", plan.executor.kind],
    ["Available", plan.executor.available ? "yes" : html`<strong>no</strong>: a run would be refused`],
    ["Timeout", `${Math.round(plan.timeout_ms / 1000)} s`]
  ], "Plan")}
<h3>Warnings</h3>
${plan.warnings.length === 0 ? html`<p class="empty">No warnings.</p>` : html`<ul class="warnings">${plan.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
<h3>Executor details</h3>
${details.length === 0 ? html`<p class="empty">No details.</p>` : kvTable(details, `The ${plan.executor.kind} executor`)}
<h3>Provenance</h3>
${kvTable(rows(plan.provenance), "Where the job comes from")}
<h3>Arguments</h3>
${args.length === 0 ? html`<p class="empty">No arguments.</p>` : kvTable(args.map(([k, v]) => [k, value(v)]), "Resolved arguments (secrets as ***)")}
<h3>Steps</h3>
<table class="list">
<thead><tr><th scope="col">Step</th><th scope="col">Command</th><th scope="col">Needs</th></tr></thead>
<tbody>${plan.steps.map((s) => html`<tr><td class="mono">${s.id}</td><td><code>${s.argv.join(" ")}</code></td><td>${s.needs.join(", ")}</td></tr>`)}</tbody>
</table>
</section>`
}
