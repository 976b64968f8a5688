/**
 * @module
 * `/ui/jobs/<id>`: one job (name, summary, source and provenance) with a
 * form generated from its argument JSON Schema, prefilled from the defaults
 * or from `arg.<name>` query parameters ("Run again" links). Two buttons:
 * "Preview plan" (`POST …/plan`, jobs:read) shows the plan under the form,
 * and "Run" (`POST …/run`, runs:write: the button is only there with that
 * scope, and the action checks it) starts the run as `POST /runs` does and
 * answers `303` to its page. A refused request renders the form again with
 * the problem and each field's message, with the API's status; non-secret
 * values are kept, secrets never are.
 */
import type { Context } from "hono"
import { Hono } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { DEFAULT_SOURCE, Effect, isProblem, JobError, type JobView, type Plan, type PlanRequest, type SourceRecord } from "../../../core/mod.ts"
import type { AppEnv, Deps } from "../../context.ts"
import { call } from "../../engine-call.ts"
import { HttpError, toProblem } from "../../problem.ts"
import { isSuspiciousId } from "../../routes/_views.ts"
import { argField } from "../components/arg-field.ts"
import { kvTable } from "../components/kv-table.ts"
import { planView } from "../components/plan-view.ts"
import { problemBox, type ProblemView } from "../components/problem-box.ts"
import { statusBadge } from "../components/status-badge.ts"
import { argFields, formArgs, formValues, prefillValues, type FormValues, type PostedForm } from "../form-args.ts"
import { html, type Html } from "../html.ts"
import { actionGuard, csrfField, hasScope, render, requirePageScope } from "../page.ts"

/** A job id as a URL path: each segment encoded, the slashes kept. */
export const jobPath = (id: string): string => `/ui/jobs/${id.split("/").map(encodeURIComponent).join("/")}`

interface Loaded {
  readonly view: JobView
  readonly record: SourceRecord | undefined
  readonly profiles: { readonly default: string; readonly available: ReadonlyArray<string> }
}

async function load(deps: Deps, id: string): Promise<Loaded> {
  // The API's rule: an id with empty, `.` or `..` segments names no job.
  if (isSuspiciousId(id)) throw new JobError({ code: "job.not.found", detail: "No job has this id" })
  const view = await call(deps.engine, (e) => e.job(id))
  const record = view.job.source === DEFAULT_SOURCE ? undefined : await call(deps.engine, (e) => e.source(view.job.source))
  const profiles = await call(deps.engine, (e) => Effect.succeed(e.profiles()))
  return { view, record, profiles }
}

/** What the form shows besides the job: values, the chosen profile, and the outcome of a submit. */
interface FormState {
  readonly values: FormValues
  readonly profile: string
  readonly problem?: ProblemView
  readonly plan?: Plan
}

function about(loaded: Loaded): Html {
  const { job } = loaded.view
  const r = loaded.record
  const source = r === undefined ? job.source : html`<a href="/ui/sources/${encodeURIComponent(r.name)}">${r.name}</a> (${r.type}) ${statusBadge(r.status)}`
  return html`${kvTable([
    ["Id", html`<span class="mono">${job.id}</span>`],
    ["Name", job.name],
    ["Summary", job.summary],
    ["Description", job.description],
    ["Source", source],
    // A declared profile is a floor: runs take it when it is stricter than the default.
    ["Default profile", loaded.profiles.default],
    ["Declared profile", job.security_profile],
    ["Executor", job.executor],
    ["Steps", String(job.steps.length)]
  ], "About this job")}
${r !== undefined && Object.keys(r.provenance).length > 0 ? kvTable(Object.entries(r.provenance).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]), "Provenance") : ""}
${job.warnings.length > 0 ? html`<ul class="warnings">${job.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ""}`
}

function jobForm(c: Context<AppEnv>, loaded: Loaded, state: FormState): Html {
  const { job, argsSchema } = loaded.view
  const fields = argFields(argsSchema)
  const fieldErrors = new Map<string, string>()
  for (const e of state.problem?.errors ?? []) {
    const name = e.path.startsWith("args.") ? e.path.slice("args.".length) : undefined
    if (name !== undefined && !fieldErrors.has(name)) fieldErrors.set(name, e.message)
  }
  const path = jobPath(job.id)
  const { profiles } = loaded
  return html`<section aria-labelledby="h-args">
<h2 id="h-args">Arguments</h2>
${state.problem !== undefined ? problemBox(state.problem) : ""}
<form class="arg-form" method="post" action="${path}/plan">
${csrfField(c)}
${fields.length === 0 ? html`<p class="empty">This job takes no arguments.</p>` : fields.map((f) => argField(f, state.values.get(f.name) ?? [], fieldErrors.get(f.name)))}
<div class="field">
<label for="profile">Profile</label>
<select id="profile" name="profile" aria-describedby="profile-help">
<option value="">Default (${profiles.default})</option>
${profiles.available.map((p) => html`<option value="${p}"${p === state.profile ? html` selected` : ""}>${p}</option>`)}
</select>
<p id="profile-help" class="hint">A weaker profile than the default needs the policy:override scope.</p>
</div>
<div class="actions">
<button type="submit" class="secondary" formaction="${path}/plan">Preview plan</button>
${hasScope(c, "runs:write") ? html`<button type="submit" formaction="${path}/run">Run</button>` : html`<p class="hint">Running needs the runs:write scope.</p>`}
</div>
</form>
</section>
${state.plan !== undefined ? planView(state.plan) : ""}`
}

function page(c: Context<AppEnv>, loaded: Loaded, state: FormState, status: ContentfulStatusCode = 200): Response | Promise<Response> {
  const { job } = loaded.view
  const body = html`<h1>Job <span class="mono">${job.id}</span></h1>
${about(loaded)}
${jobForm(c, loaded, state)}`
  return render(c, { title: `Job ${job.id}`, body, status, scripts: ["job-form.js"] })
}

/** Preview or run from a posted form; a refused request re-renders the form with its problem. */
async function submit(c: Context<AppEnv>, deps: Deps, action: "plan" | "run"): Promise<Response> {
  const loaded = await load(deps, c.req.param("id") ?? "")
  const form = (await c.req.parseBody({ all: true })) as PostedForm
  const fields = argFields(loaded.view.argsSchema)
  const profile = typeof form.profile === "string" ? form.profile : ""
  const state = { values: formValues(fields, form), profile }
  try {
    const { args, errors } = formArgs(fields, form)
    if (errors.length > 0) {
      throw new HttpError("args.invalid", errors.map((e) => `${e.path} ${e.message}`).join("; "), { errors })
    }
    const request: PlanRequest = {
      job: loaded.view.job.id,
      args,
      ...(profile !== "" ? { profile } : {}),
      allowOverride: hasScope(c, "policy:override")
    }
    if (action === "plan") return await page(c, loaded, { ...state, plan: await call(deps.engine, (e) => e.plan(request)) })
    if (deps.settings.draining?.aborted === true) {
      // As POST /runs: a run started now would only be canceled at the end of the grace period.
      throw new HttpError("server.shutting.down", "The server is shutting down and starts no new runs")
    }
    const run = await call(deps.engine, (e) => e.run(request))
    return c.redirect(`/ui/runs/${encodeURIComponent(run.id)}`, 303)
  } catch (error) {
    if (!isProblem(error) || error.code === "internal") throw error
    const problem = toProblem(error, c.req.path)
    const fix = "fix" in error && typeof error.fix === "string" ? { fix: error.fix } : {}
    return page(c, loaded, { ...state, problem: { ...problem, ...fix } }, problem.status as ContentfulStatusCode)
  }
}

/**
 * The job page and its two actions, mounted under `/ui/jobs` by `jobsPages`.
 * Job ids hold slashes (`addon/hello-world`): the rest of the path is the id.
 *
 * @since 0.1.0
 * @category pages
 */
export function jobPages(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.post("/:id{.+}/plan", actionGuard("jobs:read"), (c) => submit(c, deps, "plan"))
  app.post("/:id{.+}/run", actionGuard("runs:write"), (c) => submit(c, deps, "run"))
  app.get("/:id{.+}", requirePageScope("jobs:read"), async (c) => {
    const loaded = await load(deps, c.req.param("id"))
    const values = prefillValues(argFields(loaded.view.argsSchema), new URL(c.req.url).searchParams)
    return page(c, loaded, { values, profile: c.req.query("profile") ?? "" })
  })
  return app
}
