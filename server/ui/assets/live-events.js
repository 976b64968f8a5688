/**
 * Live rows for the events page: follows `GET /events` (SSE; the browser
 * sends the session cookie) and prepends each new event that matches the
 * page's filter. The page works without this file; it only adds rows.
 * Mirrors `server/ui/event-view.ts` (filters, summary); change them together.
 */

/**
 * Which event types the page's `?type=` keeps: a group, or one type exactly.
 * @param {string} filter
 * @returns {(type: string) => boolean}
 */
function keeper(filter) {
  if (filter === "") return (t) => t !== "log"
  if (filter === "failures") return (t) => t === "run.failed" || t === "source.failed"
  if (filter.endsWith(".*")) return (t) => t.startsWith(filter.slice(0, -1))
  return (t) => t === filter
}

/** @param {unknown} v */
const text = (v) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v))

/** @param {{ type: string, data: Record<string, unknown> }} e */
function summary(e) {
  const d = e.data
  if (e.type === "policy.decision") return `${text(d.decision)} ${text(d.subject)}: ${text(d.code)} — ${text(d.reason)}`
  if (e.type === "source.failed") return `${text(d.name)} (${text(d.operation)}): ${text(d.code)} — ${text(d.detail)}`
  if (e.type === "run.failed") return d.code !== undefined ? `${text(d.code)} — ${text(d.detail)}` : text(d.error ?? d.job_id)
  if (e.type === "run.canceled") return text(d.reason)
  if (e.type.startsWith("source.")) return [text(d.name), text(d.type)].filter((s) => s !== "").join(" ")
  if (d.job_id !== undefined) return text(d.job_id)
  if (d.exit_code !== undefined && d.exit_code !== null) return `exit code ${text(d.exit_code)}`
  if (d.step !== undefined) return text(d.step)
  return ""
}

/**
 * @param {string} tag
 * @param {string} [content]
 * @param {string} [className]
 */
function el(tag, content, className) {
  const node = document.createElement(tag)
  if (content !== undefined) node.textContent = content
  if (className !== undefined) node.className = className
  return node
}

/** @param {{ id: number, type: string, at: string, run_id: string | null, data: Record<string, unknown> }} e */
function row(e) {
  const tr = el("tr", undefined, "fresh")
  tr.dataset.id = String(e.id)
  tr.append(el("td", String(e.id), "mono"))
  const when = el("td")
  const time = el("time", "just now")
  time.setAttribute("datetime", e.at)
  time.title = e.at
  when.append(time)
  tr.append(when)
  const type = el("td")
  const word = e.type === "policy.decision" ? text(e.data.decision) : e.type.slice(e.type.indexOf(".") + 1)
  type.append(el("code", e.type), " ", el("span", word, `badge badge-${/^[a-z]+$/.test(word) ? word : "other"}`))
  tr.append(type)
  const run = el("td")
  if (e.run_id !== null) {
    const a = el("a", e.run_id, "mono")
    a.setAttribute("href", `/ui/runs/${encodeURIComponent(e.run_id)}`)
    run.append(a)
  }
  tr.append(run)
  tr.append(el("td", summary(e)))
  return tr
}

function start() {
  const table = document.querySelector("table[data-live]")
  const rows = document.getElementById("event-rows")
  const status = document.getElementById("live-status")
  if (!(table instanceof HTMLTableElement) || rows === null || typeof EventSource !== "function") return
  const keep = keeper(table.dataset.filter ?? "")
  const source = new EventSource(table.dataset.live ?? "/events")
  /** @param {MessageEvent} m */
  const onEvent = (m) => {
    const e = JSON.parse(m.data)
    if (!keep(e.type) || rows.querySelector(`tr[data-id="${Number(e.id)}"]`) !== null) return
    rows.prepend(row(e))
    document.querySelector(".empty")?.remove()
  }
  // The server names each SSE frame after the event type.
  for (const t of ["log", "run.queued", "run.started", "step.started", "step.finished", "run.finished", "run.failed", "run.canceled",
    "policy.decision", "source.added", "source.updated", "source.pulled", "source.removed", "source.failed"]) {
    source.addEventListener(t, onEvent)
  }
  source.addEventListener("open", () => { if (status !== null) status.textContent = "Live: new events appear at the top." })
  source.addEventListener("error", () => { if (status !== null) status.textContent = "Live updates paused; reconnecting…" })
}

start()
