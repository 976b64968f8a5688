/**
 * @module
 * The global flags taken out of a command line, wherever they stand before
 * `--`: the first step of every invocation, before any command is loaded.
 */
import { missingValue } from "./argv.ts"
import { beforeJobFlags, connectionFlags } from "./global-flags.ts"

// bin/flwd.js keeps its own list of the flags that take a value (these and the connection ones), to
// find the command word before anything loads: a new one belongs there too.
const valueGlobals = new Map([["--root", "root"], ["--data-dir", "dataDir"], ["--profile", "profile"], ["--policy", "policy"], ["--store", "store"]])
const connectionGlobals = new Map([...connectionFlags, ...beforeJobFlags].map((name) => [`--${name}`, name]))

/** True once `words` (the positional tokens so far) include a job id, after which job flags follow. */
function pastJobId(words: ReadonlyArray<string>): boolean {
  const [command] = words
  if (command === undefined) return false
  if (command === ":plan" || command === ":run") return words.length > 1
  return !command.startsWith(":") && command !== "completion"
}

/** The global flags of a command line, and the tokens left for the command. */
export interface Split {
  readonly values: Record<string, string>
  /** `--plugin`, in order. */
  readonly plugins: ReadonlyArray<string>
  readonly json: boolean
  readonly help: boolean
  readonly version: boolean
  /** `-v/--verbose` and `-q/--quiet`, the last one given. */
  readonly level: "quiet" | "normal" | "verbose"
  readonly rest: ReadonlyArray<string>
}

/**
 * Takes the global flags out of the tokens, wherever they stand before
 * `--`; `--remote` and `--token` after a job id are left to the job.
 */
export function splitGlobals(tokens: ReadonlyArray<string>): Split {
  const values: Record<string, string> = {}
  const plugins: Array<string> = []
  const rest: Array<string> = []
  let json = false
  let help = false
  let version = false
  let level: Split["level"] = "normal"
  const words: Array<string> = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === "--") {
      rest.push(...tokens.slice(i))
      break
    }
    const eq = token.indexOf("=")
    const head = eq >= 0 ? token.slice(0, eq) : token
    const connection = pastJobId(words) ? undefined : connectionGlobals.get(head)
    const key = valueGlobals.get(head) ?? connection
    if (key !== undefined) {
      if (eq >= 0) values[key] = token.slice(eq + 1)
      else if (i + 1 < tokens.length) values[key] = tokens[++i]
      else throw missingValue(head.slice(2))
      // Repeatable: every --plugin counts.
      if (key === "plugin") plugins.push(values[key])
    } else if (token === "--json") json = true
    else if (token === "--help" || token === "-h") help = true
    else if (token === "--version") version = true
    else if (token === "--verbose" || token === "-v") level = "verbose"
    else if (token === "--quiet" || token === "-q") level = "quiet"
    else {
      if (!token.startsWith("-")) words.push(token)
      rest.push(token)
    }
  }
  return { values, plugins, json, help, version, level, rest }
}
