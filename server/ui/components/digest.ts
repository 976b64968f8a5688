/**
 * @module
 * A content digest, shortened for tables: the algorithm and 12 hex digits
 * (as the CLI prints layers), the full digest in the tooltip.
 */
import { html, type Html } from "../html.ts"

/**
 * `<code title="sha256:…full…">sha256:0123456789ab</code>`; a value that is
 * not a digest (a git commit) is cut to 12 characters the same way.
 *
 * @since 0.1.0
 * @category components
 */
export function shortDigest(digest: string | undefined): Html {
  if (digest === undefined || digest === "") return html`<span class="muted">—</span>`
  const colon = digest.indexOf(":")
  const short = colon >= 0 ? digest.slice(0, colon + 13) : digest.slice(0, 12)
  return html`<code title="${digest}">${short}</code>`
}
