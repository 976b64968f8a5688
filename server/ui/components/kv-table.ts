/**
 * @module
 * A key/value table: one row per field, the key as a row header.
 */
import { html, type Html } from "../html.ts"

/** A row: the label, and the value as text or markup; rows whose value is undefined are left out. */
export type KvRow = readonly [label: string, value: string | number | Html | undefined]

/**
 * `<table class="kv">` with `<th scope="row">` keys.
 *
 * @since 0.1.0
 * @category components
 */
export function kvTable(rows: ReadonlyArray<KvRow>, caption?: string): Html {
  return html`<table class="kv">${caption !== undefined ? html`<caption>${caption}</caption>` : ""}<tbody>${
    rows.filter((r) => r[1] !== undefined).map(([label, value]) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`)
  }</tbody></table>`
}
