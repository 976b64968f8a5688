/**
 * @module
 * A status as a badge. The word is always written out, so the status does
 * not depend on colour; the class only tints it.
 */
import { html, type Html } from "../html.ts"

/**
 * `<span class="badge badge-failed">failed</span>`; statuses the stylesheet
 * does not know get the neutral tint.
 *
 * @since 0.1.0
 * @category components
 */
export function statusBadge(status: string): Html {
  const tint = /^[a-z]+$/.test(status) ? status : "other"
  return html`<span class="badge badge-${tint}">${status}</span>`
}
