/**
 * The "Add source" form with JavaScript: shows only the chosen type's
 * fieldset, sends the spec to the real `POST /sources` (the session cookie
 * authenticates, `x-csrf-token` comes from `<meta name="csrf-token">`) and,
 * while the add runs, draws each layer's pull progress from the
 * `source.pulled` events of `GET /events` (SSE) as a `<progress>` in the
 * form's `aria-live` region. Success opens the source's page; a problem
 * is shown as the same box the server renders (title, detail, errors, fix,
 * code). Without this file the form posts to `/ui/sources` and works too.
 * The spec is built from each control's `data-spec` (the field it fills),
 * which `server/ui/components/add-source-form.ts` writes.
 */

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

/** @param {number} n */
function bytes(n) {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n || 0))} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`
}

/**
 * The problem box, as `server/ui/components/problem-box.ts` renders it.
 * @param {{ title?: string, detail?: string, code?: string, status?: number, fix?: string, errors?: Array<{ path: string, message: string }> }} p
 */
function problemBox(p) {
  const box = el("div", undefined, "problem")
  box.setAttribute("role", "alert")
  box.append(el("h2", p.title ?? "The source was not added", "problem-title"), el("p", p.detail ?? ""))
  if (Array.isArray(p.errors) && p.errors.length > 0) {
    const list = el("ul", undefined, "problem-errors")
    for (const e of p.errors) {
      const li = el("li")
      li.append(el("code", e.path), `: ${e.message}`)
      list.append(li)
    }
    box.append(list)
  }
  if (typeof p.fix === "string") {
    const fix = el("p", undefined, "problem-fix")
    fix.append(el("strong", "How to fix it:"), ` ${p.fix}`)
    box.append(fix)
  }
  const code = el("p", undefined, "problem-code")
  code.append("Code ", el("code", p.code ?? "unknown"), p.status !== undefined ? `, HTTP ${p.status}` : "")
  box.append(code)
  return box
}

/**
 * One line per layer in `region`: "Layer 2/3 sha256:0123456789ab", a
 * `<progress>` and its state, updated from `source.pulled` data.
 * @param {HTMLElement} region
 */
function progressView(region) {
  /** @type {Map<number, { progress: HTMLProgressElement, label: HTMLElement, state: HTMLElement }>} */
  const rows = new Map()
  const heading = el("p", "Adding the source…")
  const list = el("ul", undefined, "layers")
  region.replaceChildren(heading, list)
  let total = 0
  /** @param {number} i */
  const row = (i) => {
    let r = rows.get(i)
    if (r === undefined) {
      const li = el("li")
      const id = `layer-${i}`
      const label = el("label")
      label.htmlFor = id
      const progress = /** @type {HTMLProgressElement} */ (el("progress"))
      progress.id = id
      const state = el("span", "waiting", "muted")
      li.append(label, " ", progress, " ", state)
      list.append(li)
      r = { progress, label, state }
      rows.set(i, r)
    }
    return r
  }
  /** @param {Record<string, unknown>} d */
  return (d) => {
    if (d.phase === "resolved") {
      total = Number(d.layers) || 0
      heading.textContent = `Pulling ${String(d.ref ?? "")}: ${total} layer${total === 1 ? "" : "s"}, ${bytes(Number(d.bytes))}`
      for (let i = 0; i < total; i++) row(i)
      return
    }
    if (d.phase === "done") {
      heading.textContent = `Pulled ${String(d.ref ?? "")}.`
      return
    }
    if (d.phase === "working") {
      heading.textContent = `Still working (${Math.round(Number(d.elapsed_ms) / 1000)} s)…`
      return
    }
    if (typeof d.index !== "number") return
    const r = row(d.index)
    const digest = String(d.digest ?? "")
    r.label.textContent = `Layer ${d.index + 1}${total > 0 ? `/${total}` : ""} ${digest.slice(0, 19)}`
    const size = Number(d.size) || 0
    if (size > 0) r.progress.max = size
    if (d.phase === "download") {
      r.progress.value = Math.min(Number(d.bytes) || 0, r.progress.max)
      r.state.textContent = d.done === true ? `fetched ${bytes(size)}` : `${bytes(Number(d.bytes))} of ${bytes(size)}`
    } else if (d.phase === "layer") {
      if (d.state !== "cached" || r.progress.value === 0) r.progress.value = r.progress.max
      r.state.textContent = String(d.state ?? "")
    }
  }
}

/**
 * Opens `GET /events` and resolves once it is open (or after 3 s without
 * it: the add goes ahead, only without progress), so no event of the add
 * is missed.
 * @param {string} url
 * @returns {Promise<EventSource | null>}
 */
function openEvents(url) {
  if (typeof EventSource !== "function") return Promise.resolve(null)
  const source = new EventSource(url)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(source), 3000)
    source.addEventListener("open", () => { clearTimeout(timer); resolve(source) }, { once: true })
  })
}

/** @param {HTMLFormElement} form */
function specOf(form) {
  const data = new FormData(form)
  const type = String(data.get("type") ?? "")
  /** @type {Record<string, unknown>} */
  const spec = { type, name: String(data.get("name") ?? "").trim() }
  const fieldset = form.querySelector(`fieldset[data-type="${CSS.escape(type)}"]`)
  for (const control of fieldset?.querySelectorAll("[data-spec]") ?? []) {
    if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement)) continue
    const key = control.dataset.spec ?? ""
    if (control instanceof HTMLInputElement && control.type === "checkbox") spec[key] = control.checked
    else if (control.value.trim() !== "") spec[key] = control.value.trim()
  }
  return spec
}

function start() {
  const form = document.getElementById("add-source")
  const typeSelect = document.getElementById("src-type")
  const problemArea = document.getElementById("add-problem")
  const region = document.getElementById("add-progress")
  if (!(form instanceof HTMLFormElement) || !(typeSelect instanceof HTMLSelectElement) || problemArea === null || region === null) return
  const showType = () => {
    for (const fs of form.querySelectorAll("fieldset[data-type]")) {
      if (fs instanceof HTMLFieldSetElement) fs.hidden = fs.dataset.type !== typeSelect.value
    }
  }
  typeSelect.addEventListener("change", showType)
  showType()
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? ""
  const button = form.querySelector('button[type="submit"]')
  form.addEventListener("submit", async (event) => {
    event.preventDefault()
    const spec = specOf(form)
    problemArea.replaceChildren()
    if (button instanceof HTMLButtonElement) button.disabled = true
    const draw = progressView(region)
    const events = form.dataset.events !== undefined ? await openEvents(form.dataset.events) : null
    let pulled = false
    events?.addEventListener("source.pulled", (m) => {
      const e = JSON.parse(/** @type {MessageEvent} */ (m).data)
      if (e.data?.name !== spec.name) return
      pulled = true
      draw(e.data)
    })
    try {
      const response = await fetch("/sources", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
        body: JSON.stringify(spec)
      })
      if (response.ok) {
        const source = await response.json()
        const page = `/ui/sources/${encodeURIComponent(String(source.name ?? spec.name))}`
        region.append(el("p", `Added ${String(source.name ?? spec.name)}: ${String(source.status ?? "")}. Opening its page…`))
        // After a pull, leave its last progress lines (still arriving on the stream) in view a moment.
        setTimeout(() => { events?.close(); window.location.assign(page) }, pulled ? 1500 : 0)
        return
      }
      events?.close()
      const problem = await response.json().catch(() => ({ title: "The source was not added", detail: `HTTP ${response.status}`, code: "unknown" }))
      region.replaceChildren()
      problemArea.replaceChildren(problemBox(problem))
    } catch (error) {
      events?.close()
      region.replaceChildren()
      problemArea.replaceChildren(problemBox({ title: "The server could not be reached", detail: String(error), code: "network" }))
    } finally {
      if (button instanceof HTMLButtonElement) button.disabled = false
    }
  })
}

start()
