/**
 * @module
 * Times as `<time datetime>`: relative words for reading ("3 min ago"), the
 * exact ISO time in `datetime` and as a tooltip.
 */
import { html, type Html } from "../html.ts"

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 d ago"; the ISO date past a week. */
export function relative(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return iso
  const s = Math.round((now - at) / 1000)
  if (s < 0) return iso
  if (s < 5) return "just now"
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  if (s < 7 * 86_400) return `${Math.floor(s / 86_400)} d ago`
  return iso.slice(0, 10)
}

/**
 * `<time datetime="…" title="…">3 min ago</time>`; null is an em dash.
 *
 * @since 0.1.0
 * @category components
 */
export function timeAgo(iso: string | null | undefined, now?: number): Html {
  if (iso === null || iso === undefined) return html`<span class="muted">—</span>`
  return html`<time datetime="${iso}" title="${iso}">${relative(iso, now)}</time>`
}

/** A duration between two ISO times: "850 ms", "12.3 s", "4 min 2 s"; undefined when either is missing. */
export function duration(from: string | null, to: string | null): string | undefined {
  if (from === null || to === null) return undefined
  const ms = Date.parse(to) - Date.parse(from)
  if (Number.isNaN(ms) || ms < 0) return undefined
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
