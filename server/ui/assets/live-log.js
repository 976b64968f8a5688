/**
 * The live log of a run page: follows `GET /runs/{id}/events` (SSE; the
 * browser sends the session cookie) from the last event the server rendered
 * (`data-after`), appends each new line to the log, updates the steps as
 * they start and finish, and the status when the run ends. EventSource
 * reconnects by itself with `Last-Event-ID`, which the server prefers to
 * `?after=`, so a dropped connection resumes where it left off; an id at or
 * below the last one seen is ignored, so nothing is shown twice.
 * Mirrors `server/ui/components/run-log.ts` (the line markup); change them
 * together. The page works without this file.
 */

/** @param {unknown} v */
const text = (v) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v))

/**
 * The words of a non-output event, as `markerText` in run-log.ts.
 * @param {{ type: string, data: Record<string, unknown> }} e
 * @returns {string | undefined}
 */
function markerText(e) {
  const d = e.data
  switch (e.type) {
    case "run.started": return "run started"
    case "step.started": return `step ${text(d.step)} started`
    case "step.finished":
      return `step ${text(d.step)} ${text(d.status)}${typeof d.exit_code === "number" ? `, exit code ${d.exit_code}` : ""}${d.signal !== undefined ? `, ${text(d.signal)}` : ""}`
    case "policy.decision": return `policy ${text(d.decision)} ${text(d.subject)}: ${text(d.code)} — ${text(d.reason)}`
    case "run.finished": return `run finished, exit code ${text(d.exit_code)}`
    case "run.failed": return `run failed: ${text(d.code ?? d.error)}${d.detail !== undefined ? ` — ${text(d.detail)}` : ""}`
    case "run.canceled": return `run canceled${d.reason !== undefined ? `: ${text(d.reason)}` : ""}`
    default: return undefined
  }
}

/**
 * @param {string} tag
 * @param {string} content
 * @param {string} className
 */
function el(tag, content, className) {
  const node = document.createElement(tag)
  node.textContent = content
  node.className = className
  return node
}

/**
 * Replaces the badge inside `holder` with one for `status`.
 * @param {Element | null} holder
 * @param {string} status
 */
function badge(holder, status) {
  if (holder === null) return
  holder.replaceChildren(el("span", status, `badge badge-${/^[a-z]+$/.test(status) ? status : "other"}`))
}

/**
 * A `<time>` of now, as the server renders times.
 * @param {string} iso
 */
function time(iso) {
  const t = el("time", "just now", "")
  t.setAttribute("datetime", iso)
  t.title = iso
  return t
}

/**
 * "850 ms", "12.3 s", "4 min 2 s", as `duration` in components/time.ts.
 * @param {string | null | undefined} from
 * @param {string} to
 */
function duration(from, to) {
  const ms = from === null || from === undefined ? NaN : Date.parse(to) - Date.parse(from)
  if (Number.isNaN(ms) || ms < 0) return ""
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** @type {Record<string, string>} */
const endStatus = { "run.finished": "succeeded", "run.failed": "failed", "run.canceled": "canceled" }

function start() {
  const log = document.getElementById("run-log")
  if (log === null || log.dataset.live === undefined || typeof EventSource !== "function") return
  const status = document.getElementById("live-status")
  const cap = Number(log.dataset.cap ?? "5000")
  let last = Number(log.dataset.after ?? "0")
  const source = new EventSource(`${log.dataset.live}?after=${last}`)

  /** @param {{ id: number, type: string, at: string, data: Record<string, unknown> }} e */
  const append = (e) => {
    let line
    if (e.type === "log") {
      const stderr = e.data.stream === "stderr"
      line = el("span", "", `log-line log-${stderr ? "stderr" : "stdout"}`)
      line.append(el("span", stderr ? "err " : "out ", "log-stream"), text(e.data.line))
    } else {
      const words = markerText(e)
      if (words === undefined) return
      line = el("span", `── ${words}`, "log-line log-mark")
    }
    line.dataset.id = String(e.id)
    log.append(line, "\n")
    // Keep the page as light as the server keeps it: drop the oldest lines past the cap.
    while (log.childElementCount > cap && log.firstElementChild !== null) {
      const first = log.firstElementChild
      if (first.nextSibling !== null && first.nextSibling.nodeType === Node.TEXT_NODE) first.nextSibling.remove()
      first.remove()
    }
    document.getElementById("log-empty")?.remove()
  }

  /** @param {{ at: string, data: Record<string, unknown>, type: string }} e */
  const step = (e) => {
    const row = document.querySelector(`tr[data-step="${CSS.escape(text(e.data.step))}"]`)
    if (row === null) return
    if (e.type === "step.started") {
      badge(row.querySelector(".step-status"), "running")
      row.querySelector(".step-started")?.replaceChildren(time(e.at))
    } else {
      badge(row.querySelector(".step-status"), text(e.data.status))
      row.querySelector(".step-duration")?.replaceChildren(duration(row.querySelector(".step-started time")?.getAttribute("datetime"), e.at))
      if (typeof e.data.exit_code === "number") row.querySelector(".step-exit")?.replaceChildren(String(e.data.exit_code))
    }
  }

  /** @param {{ at: string, data: Record<string, unknown>, type: string }} e */
  const end = (e) => {
    source.close()
    badge(document.getElementById("run-status"), endStatus[e.type])
    document.getElementById("run-finished")?.replaceChildren(time(e.at))
    const started = document.querySelector("#run-started time")?.getAttribute("datetime")
    document.getElementById("run-duration")?.replaceChildren(duration(started, e.at) || "—")
    const exit = e.data.exit_code
    if (typeof exit === "number") document.getElementById("run-exit")?.replaceChildren(String(exit))
    for (const cell of document.querySelectorAll("#run-steps .step-status")) {
      if (cell.textContent === "pending") badge(cell, "skipped")
    }
    document.getElementById("cancel-form")?.remove()
    if (status !== null) status.textContent = `The run has ended: ${endStatus[e.type]}.`
  }

  /** @param {MessageEvent} m */
  const onEvent = (m) => {
    const e = JSON.parse(m.data)
    if (typeof e.id !== "number" || e.id <= last) return
    last = e.id
    append(e)
    if (e.type === "step.started" || e.type === "step.finished") step(e)
    if (endStatus[e.type] !== undefined) end(e)
    else if (e.type === "run.started") {
      badge(document.getElementById("run-status"), "running")
      document.getElementById("run-started")?.replaceChildren(time(e.at))
    }
  }
  // The server names each SSE frame after the event type.
  for (const t of ["run.queued", "run.started", "step.started", "log", "step.finished", "policy.decision", "run.finished", "run.failed", "run.canceled"]) {
    source.addEventListener(t, onEvent)
  }
  source.addEventListener("open", () => { if (status !== null) status.textContent = "Live: new lines appear below." })
  source.addEventListener("error", () => {
    if (status !== null && source.readyState !== EventSource.CLOSED) status.textContent = "Live log paused; reconnecting…"
  })
}

start()
