/**
 * @module
 * An OCI source's `image_trust` (its provenance's verification outcome:
 * mode, verified, signer, reason and what each discovery path found), read
 * defensively from the provenance record, as a one-line summary for the
 * sources list and as a table plus a list of discovery paths for a
 * source's page.
 */
import { html, type Html } from "../html.ts"
import { kvTable } from "./kv-table.ts"

/** One discovery path's report (`cosign-tag`, `referrers-api`, `referrers-tag`). */
export interface DiscoveryView {
  readonly path: string
  readonly tried: boolean
  readonly found: number
  readonly matched: boolean
  readonly detail?: string
}

/** What the console shows of `image_trust`. */
export interface TrustView {
  readonly mode: string
  readonly verified: boolean
  readonly signer: string | null
  readonly reason: string
  readonly discovery: ReadonlyArray<DiscoveryView>
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The provenance's `image_trust`, or undefined when it has none (a git or
 * local source, an OCI source from before verification was recorded).
 *
 * @since 0.1.0
 * @category components
 */
export function imageTrustOf(provenance: Readonly<Record<string, unknown>>): TrustView | undefined {
  const t = provenance.image_trust
  if (!isRecord(t)) return undefined
  const discovery = Array.isArray(t.discovery) ? t.discovery.filter(isRecord) : []
  return {
    mode: String(t.mode ?? "unknown"),
    verified: t.verified === true,
    signer: typeof t.signer === "string" ? t.signer : null,
    reason: typeof t.reason === "string" ? t.reason : "",
    discovery: discovery.map((d) => ({
      path: String(d.path ?? "?"),
      tried: d.tried === true,
      found: typeof d.found === "number" ? d.found : 0,
      matched: d.matched === true,
      ...(typeof d.detail === "string" ? { detail: d.detail } : {})
    }))
  }
}

/**
 * "verified · key:release · required", "not verified · permissive", or an
 * em dash without `image_trust`. Words, not colours, carry the outcome.
 *
 * @since 0.1.0
 * @category components
 */
export function trustSummary(trust: TrustView | undefined): Html {
  if (trust === undefined) return html`<span class="muted">—</span>`
  return html`<span title="${trust.reason}">${trust.verified ? "verified" : "not verified"}${trust.signer !== null ? html` · <span class="mono">${trust.signer}</span>` : ""} · mode ${trust.mode}</span>`
}

function discoveryLine(d: DiscoveryView): Html {
  const what = !d.tried ? "not tried" : `${d.found} signature${d.found === 1 ? "" : "s"} found${d.matched ? ", one verified" : ""}`
  return html`<li><code>${d.path}</code>: ${what}${d.detail !== undefined ? html` (${d.detail})` : ""}</li>`
}

/**
 * The outcome as a table, then the discovery paths tried, in order, with
 * what each found.
 *
 * @since 0.1.0
 * @category components
 */
export function trustDetails(trust: TrustView): Html {
  return html`${kvTable([
    ["Mode", trust.mode],
    ["Verified", trust.verified ? "yes" : "no"],
    ["Signer", trust.signer !== null ? html`<span class="mono">${trust.signer}</span>` : "—"],
    ["Reason", trust.reason]
  ], "Image trust")}
${trust.discovery.length === 0
    ? html`<p class="muted">No discovery path was tried.</p>`
    : html`<h3 id="h-discovery">Discovery paths</h3><ul aria-labelledby="h-discovery">${trust.discovery.map(discoveryLine)}</ul>`}`
}
