/**
 * @module
 * The plugin's admission: may an archive come from this URL's host? One
 * decision for an add (`archive-impl.ts`) and for `flwd :policy check`
 * (the `inspect` hook below), so the two never disagree.
 */
import { type Decision, Effect, type InspectContext, type Inspection, maskCredentials, type Policy } from "../../../mod.ts"
import type { HttpArchiveSpec } from "./http-archive-source.ts"
import { sectionOf } from "./policy-section.ts"

/** The decision for `url` under the policy (`http_archive.allowed_hosts`, else `fallback`); null: any host may serve it. */
export function hostDecision(url: string, policy: Policy, fallback: ReadonlyArray<string> | undefined): Decision | null {
  const hosts = sectionOf(policy)?.allowed_hosts ?? fallback
  if (hosts === undefined) return null
  const { host, hostname } = new URL(url)
  const ok = hosts.some((h) => h === host || h === hostname)
  const reason = ok ? `host ${host} is listed in http_archive.allowed_hosts` : `host ${host} is not in http_archive.allowed_hosts`
  return { decision: ok ? "allow" : "deny", subject: maskCredentials(url), code: ok ? "source.allowed" : "source.not.allowed", reason }
}

/**
 * The `inspect` hook: what adding the spec would decide. The content is
 * pinned by its hash, so nothing is downloaded: the host decides.
 */
export function inspectArchive(spec: HttpArchiveSpec, ctx: InspectContext, fallback: ReadonlyArray<string> | undefined): Effect.Effect<Inspection> {
  const decision = hostDecision(spec.url, ctx.policy, fallback)
  const admitted = decision === null || decision.decision !== "deny"
  const subject = maskCredentials(spec.url)
  const problem = admitted ? null : { code: "source.not.allowed", detail: decision!.reason }
  const decisions = decision === null ? [] : [decision]
  return Effect.succeed({
    subject,
    profile: ctx.profile.name,
    admitted,
    decisions,
    problem,
    report: [{ label: "sha256", text: spec.sha256 }],
    document: { url: subject, sha256: spec.sha256, profile: ctx.profile.name, admitted, decisions, problem }
  })
}
