/**
 * @module
 * Runs the discovery steps in order, verifying each candidate as it comes,
 * and keeps the report of what each path did. The first signature that
 * verifies ends the run; when none does, the most telling rejection wins
 * (a trusted signer of another digest says more than an unknown key).
 */
import * as Effect from "effect/Effect"
import { digestTag, type Found, type Rejection, type VerifyContext } from "./_step.ts"
import type { VerifyErrorReason } from "./errors.ts"
import type { DiscoveryPath, DiscoveryReport, PathReport } from "./model.ts"

/** One discovery step; `next` says whether the following step should run. */
export interface DiscoveryStep {
  readonly path: DiscoveryPath
  readonly run: Effect.Effect<{ readonly found: Found; readonly next: boolean }>
}

/** The outcome of a whole discovery. */
export type DiscoveryOutcome =
  | { readonly ok: true; readonly signer: string; readonly reason: string; readonly discovery: DiscoveryReport }
  | { readonly ok: false; readonly reason: VerifyErrorReason; readonly detail: string; readonly discovery: DiscoveryReport }

const PATHS: ReadonlyArray<DiscoveryPath> = ["cosign-tag", "referrers-api", "referrers-tag"]

/** The report when nothing was tried (mode `disabled`). @since 0.1.0 @category constants */
export const skipped: DiscoveryReport = PATHS.map((path) => ({ path, tried: false, found: 0, matched: false }))

const RANK: Readonly<Record<Rejection, number>> = { "digest-mismatch": 5, "invalid-proof": 4, untrusted: 3, malformed: 2, unavailable: 1 }

function label(path: DiscoveryPath, digest: string): string {
  if (path === "cosign-tag") return `cosign tag ${digestTag(digest)}.sig`
  if (path === "referrers-tag") return `referrers tag ${digestTag(digest)}`
  return "referrers API"
}

/**
 * `cosign tag sha256-….sig (not found), referrers API (unsupported), …`:
 * the paths tried for `digest` and what each found.
 *
 * @since 0.1.0
 * @category utils
 */
export function describeDiscovery(report: DiscoveryReport, digest: string): string {
  return report.filter((r) => r.tried).map((r) => `${label(r.path, digest)} (${r.detail ?? (r.matched ? "verified" : "tried")})`).join(", ")
}

/**
 * Runs the steps; never fails (registry trouble is a rejection).
 *
 * @since 0.1.0
 * @category constructors
 */
export function runDiscovery(ctx: VerifyContext, steps: ReadonlyArray<DiscoveryStep>): Effect.Effect<DiscoveryOutcome> {
  return Effect.gen(function* () {
    const reports = new Map<DiscoveryPath, PathReport>(skipped.map((r) => [r.path, r]))
    const report = () => PATHS.map((p) => reports.get(p)!)
    const rejections: Array<{ readonly reason: Rejection; readonly detail: string }> = []
    for (const step of steps) {
      const { found, next } = yield* step.run
      if (found.status === "absent") reports.set(step.path, { path: step.path, tried: true, found: 0, matched: false, detail: found.detail })
      else if (found.status === "failed") {
        rejections.push(found)
        reports.set(step.path, { path: step.path, tried: true, found: 0, matched: false, detail: `${found.reason}: ${found.detail}` })
      } else {
        for (const candidate of found.candidates) {
          const outcome = yield* candidate
          if (outcome.ok) {
            reports.set(step.path, { path: step.path, tried: true, found: found.total, matched: true, detail: "verified" })
            return { ok: true, signer: outcome.signer, reason: `signed by ${outcome.signer} (${label(step.path, ctx.digest)})`, discovery: report() } as const
          }
          rejections.push(outcome)
        }
        const considered = found.candidates.length < found.total ? `, first ${found.candidates.length} considered` : ""
        const noun = found.total === 1 ? "signature" : "signatures"
        reports.set(step.path, {
          path: step.path,
          tried: true,
          found: found.total,
          matched: false,
          detail: `${found.total} ${noun}${considered}, none verified`
        })
      }
      if (!next) break
    }
    const discovery = report()
    const tried = describeDiscovery(discovery, ctx.digest)
    if (rejections.length === 0) return { ok: false, reason: "no-signature", detail: `tried ${tried}`, discovery } as const
    const worst = rejections.reduce((a, b) => (RANK[b.reason] > RANK[a.reason] ? b : a))
    const more = rejections.length > 1 ? ` (${rejections.length - 1} other ${rejections.length === 2 ? "signature" : "signatures"} rejected too)` : ""
    return { ok: false, reason: worst.reason, detail: `${worst.detail}${more}; tried ${tried}`, discovery } as const
  })
}
