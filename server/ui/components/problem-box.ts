/**
 * @module
 * A problem document (RFC 9457) as the console shows it: title, detail,
 * code, the failing fields and, when the problem carries one, how to fix it.
 */
import { html, type Html } from "../html.ts"

/** What the box shows; a `ProblemDocument` fits, with an optional `fix`. */
export interface ProblemView {
  readonly title: string
  readonly detail: string
  readonly code: string
  readonly status?: number
  readonly errors?: ReadonlyArray<{ readonly path: string; readonly message: string }>
  /** A short "how to fix it", shown under the detail. */
  readonly fix?: string
}

/**
 * The box, announced to screen readers (`role="alert"`) since it usually
 * appears after a form was sent.
 *
 * @since 0.1.0
 * @category components
 */
export function problemBox(problem: ProblemView): Html {
  const errors = problem.errors ?? []
  return html`<div class="problem" role="alert">
<h2 class="problem-title">${problem.title}</h2>
<p>${problem.detail}</p>
${errors.length > 0 ? html`<ul class="problem-errors">${errors.map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}</ul>` : ""}
${problem.fix !== undefined ? html`<p class="problem-fix"><strong>How to fix it:</strong> ${problem.fix}</p>` : ""}
<p class="problem-code">Code <code>${problem.code}</code>${problem.status !== undefined ? html`, HTTP ${problem.status}` : ""}</p>
</div>`
}
