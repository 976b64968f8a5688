/**
 * Progressive enhancement of the jobs pages; both work without this file.
 * On the list, the search box filters the rows as you type (the same
 * words-in-id-name-summary rule as `?q=` on the server, over the rows'
 * `data-search`). On a job page, a field edited after a refused submit
 * loses its error mark once the browser finds its value valid.
 */

/** @param {HTMLInputElement} box */
function filterRows(box) {
  const body = document.getElementById(box.dataset.filter ?? "")
  const count = document.getElementById("job-count")
  if (body === null) return
  const rows = /** @type {Array<HTMLTableRowElement>} */ ([...body.querySelectorAll("tr[data-search]")])
  const update = () => {
    const words = box.value.toLowerCase().split(/\s+/).filter((w) => w !== "")
    let shown = 0
    for (const row of rows) {
      const text = row.dataset.search ?? ""
      row.hidden = !words.every((w) => text.includes(w))
      if (!row.hidden) shown++
    }
    const total = `${rows.length} ${rows.length === 1 ? "job" : "jobs"}`
    if (count !== null) count.textContent = words.length === 0 ? `${total}.` : `${shown} of ${total} shown.`
  }
  box.addEventListener("input", update)
}

/** @param {HTMLFormElement} form */
function clearFixedErrors(form) {
  form.addEventListener("input", (event) => {
    const control = /** @type {HTMLInputElement} */ (event.target)
    if (control.getAttribute("aria-invalid") !== "true" || !control.checkValidity()) return
    control.removeAttribute("aria-invalid")
    const error = document.getElementById(`${control.id}-error`)
    if (error !== null) error.hidden = true
  })
}

const box = document.querySelector("input[data-filter]")
if (box instanceof HTMLInputElement) filterRows(box)
const form = document.querySelector("form.arg-form")
if (form instanceof HTMLFormElement) clearFixedErrors(form)
