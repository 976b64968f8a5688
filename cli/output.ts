/**
 * @module
 * Everything the CLI prints goes through an `Output`: aligned tables and
 * summaries for people, JSON for programs, and one renderer for errors.
 * Commands receive it injected, so they never touch `process` themselves.
 * It imports nothing, so `--help` and `--version` print without loading
 * Effect; problems are rendered by `problem.ts`, loaded when one occurs.
 */
/** A writable text stream (a `process.stdout`, or a buffer in tests). */
export interface Sink {
  readonly write: (text: string) => unknown
  readonly isTTY?: boolean
}

/** The styles the CLI uses; identity functions when colors are off. */
export interface Styles {
  readonly bold: (s: string) => string
  readonly dim: (s: string) => string
  readonly red: (s: string) => string
  readonly green: (s: string) => string
  readonly yellow: (s: string) => string
}

/** @since 0.1.0 @category models */
export interface Output {
  /** True under `--json`: print JSON to stdout, problems as JSON to stderr. */
  readonly json: boolean
  readonly style: Styles
  /** Whether stderr is a terminal: progress notes go there only when it is. */
  readonly interactive: boolean
  /** Writes one line to stdout. */
  readonly line: (text?: string) => void
  /** Writes one line to stderr: errors, warnings — what `--quiet` keeps. */
  readonly note: (text: string) => void
  /** `--quiet`: progress and `info` lines are left out; results, warnings and errors are not. */
  readonly quiet: boolean
  /** A non-essential line on stderr (a hint, a count, a next step); not under `--quiet`. */
  readonly info: (text: string) => void
  /** A diagnostic line on stderr (timing, settings in use); only under `--verbose`. */
  readonly verbose: (text: string) => void
  /** `--verbose`: the user asked which engine answers and how. */
  readonly isVerbose: boolean
  /** Writes text to stdout or stderr as is (job output, already split in lines). */
  readonly raw: (stream: "stdout" | "stderr", text: string) => void
  /** Pretty JSON document on stdout. */
  readonly document: (value: unknown) => void
  /** One compact JSON line on stdout (NDJSON). */
  readonly record: (value: unknown) => void
  /** An aligned table with an upper-case header row. */
  readonly table: (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => void
  /** Aligned `label  value` lines. */
  readonly fields: (pairs: ReadonlyArray<readonly [string, string]>, indent?: string) => void
}

const ansi = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`
const plain = (s: string) => s

/** Colors only for a terminal, and never when `NO_COLOR` is set (no-color.org). */
export function useColor(sink: Sink, env: Readonly<Record<string, string | undefined>>): boolean {
  return sink.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "")
}

/** Display width, ignoring ANSI escapes. */
function width(s: string): number {
  // deno-lint-ignore no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, "").length
}

function pad(s: string, w: number): string {
  return s + " ".repeat(Math.max(0, w - width(s)))
}

/** Builds the output over two sinks. */
export function makeOutput(options: {
  readonly json: boolean
  readonly stdout: Sink
  readonly stderr: Sink
  readonly env: Readonly<Record<string, string | undefined>>
  /** `-q` / `-v`; default normal. */
  readonly level?: "quiet" | "normal" | "verbose"
}): Output {
  const { stdout, stderr } = options
  const color = useColor(stdout, options.env)
  const style: Styles = color
    ? { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39) }
    : { bold: plain, dim: plain, red: plain, green: plain, yellow: plain }
  const line = (text = "") => void stdout.write(`${text}\n`)
  return {
    json: options.json,
    style,
    interactive: stderr.isTTY === true,
    line,
    note: (text) => void stderr.write(`${text}\n`),
    quiet: options.level === "quiet",
    isVerbose: options.level === "verbose",
    info: (text) => void (options.level === "quiet" ? undefined : stderr.write(`${text}\n`)),
    verbose: (text) => void (options.level === "verbose" ? stderr.write(`${text}\n`) : undefined),
    raw: (stream, text) => void (stream === "stdout" ? stdout : stderr).write(text),
    document: (value) => line(JSON.stringify(value, null, 2)),
    record: (value) => line(JSON.stringify(value)),
    table: (headers, rows) => {
      const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(oneLine(r[i] ?? "")))))
      const render = (cells: ReadonlyArray<string>) =>
        cells.map((c, i) => (i === cells.length - 1 ? oneLine(c) : pad(oneLine(c), widths[i]))).join("  ").trimEnd()
      line(style.bold(render(headers)))
      for (const row of rows) line(render(row))
    },
    fields: (pairs, indent = "") => {
      const w = Math.max(0, ...pairs.map(([k]) => width(k)))
      for (const [k, v] of pairs) line(`${indent}${pad(k, w)}  ${v}`)
    }
  }
}

/** Table cells stay on one line whatever a summary holds. */
function oneLine(s: string): string {
  return s.replace(/\r?\n/g, " ")
}

/**
 * Prints the warnings a command's result carries on stderr, one
 * `warning: <subject>: <text>` line each: a change or a run that succeeds
 * with a warning must say so, also under `--json` and when stdout is piped
 * (stdout stays the result alone). Every command prints them through here.
 */
export function printWarnings(out: Output, subject: string, warnings: ReadonlyArray<string>): void {
  for (const w of warnings) out.note(`${out.style.yellow("warning")}: ${subject}: ${w}`)
}
