/**
 * @module
 * Finds the fenced shell examples of a Markdown file (```sh, ```bash,
 * ```shell, ```console) with the marker written on the line before each
 * fence: `<!-- illustrative -->` (only parsed, never run) or
 * `<!-- doc-test: server registry -->` (run, with what it needs started
 * first). An unmarked block is run.
 */

/** What a block needs the harness to start before it runs. */
export type Need = "server" | "registry"

export interface Fence {
  readonly file: string
  /** 1-based line of the opening fence, for failure messages. */
  readonly line: number
  readonly lang: string
  /** The commands: for `console`, the `$ ` lines without their prompt. */
  readonly script: string
  readonly illustrative: boolean
  readonly needs: ReadonlyArray<Need>
}

const opening = /^\s*```(sh|bash|shell|console)\s*$/
const closing = /^\s*```\s*$/
const marker = /^\s*<!--\s*(illustrative|doc-test:([^>]*?))\s*-->\s*$/

/** `console` blocks mix commands and output; only `$ ` lines are commands. */
const commands = (lang: string, body: ReadonlyArray<string>): string =>
  lang === "console" ? body.filter((l) => l.startsWith("$ ")).map((l) => l.slice(2)).join("\n") : body.join("\n")

export function shellFences(file: string, text: string): Array<Fence> {
  const lines = text.split("\n")
  const fences: Array<Fence> = []
  for (let i = 0; i < lines.length; i++) {
    const open = opening.exec(lines[i]!)
    if (open === null) {
      // Skip other fenced blocks whole, so their content is never read as a fence.
      if (/^\s*```/.test(lines[i]!)) { while (++i < lines.length && !closing.test(lines[i]!)); }
      continue
    }
    const start = i
    const body: Array<string> = []
    while (++i < lines.length && !closing.test(lines[i]!)) body.push(lines[i]!)
    const mark = start > 0 ? marker.exec(lines[start - 1]!) : null
    const needs = (mark?.[2] ?? "").split(/[\s,]+/).filter((n): n is Need => n === "server" || n === "registry")
    fences.push({
      file,
      line: start + 1,
      lang: open[1]!,
      script: commands(open[1]!, body),
      illustrative: mark?.[1] === "illustrative",
      needs
    })
  }
  return fences
}

/** The ```yaml block that follows the first line matching `after`. */
export function yamlAfter(text: string, after: RegExp): string | undefined {
  const lines = text.split("\n")
  const from = lines.findIndex((l) => after.test(l))
  if (from < 0) return undefined
  const open = lines.findIndex((l, i) => i > from && /^\s*```ya?ml\s*$/.test(l))
  if (open < 0) return undefined
  const close = lines.findIndex((l, i) => i > open && closing.test(l))
  return lines.slice(open + 1, close).join("\n") + "\n"
}
