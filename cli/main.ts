#!/usr/bin/env node
/**
 * @module
 * The `flwd` entrypoint: resolves global flags, picks the command and hands
 * it an output and a lazily started engine. Command modules are imported
 * only when chosen, and the engine only when a command asks for it, so
 * `--help`, `--version` and `completion` never load it. With `--remote URL`
 * (or `FLWD_REMOTE`) the engine is a client of that server, and the
 * commands cannot tell the difference.
 */
import module from "node:module"
import { readFileSync } from "node:fs"
import process from "node:process"
import { missingValue, UsageError } from "./argv.ts"
import { type CommandContext, engineOptionsOf, type Globals, type Interrupt } from "./context.ts"
import { beforeJobFlags, connectionFlags } from "./global-flags.ts"
import { printCommandHelp, printMainHelp } from "./help.ts"
import { makeOutput, printProblem, type Output } from "./output.ts"
import { findCommand, visibleCommands } from "./dispatch.ts"
import { nearHint } from "./suggest.ts"
import { describeEngine } from "./verbose.ts"
import type { EngineHandle } from "../engine/handle.ts"

// Caches compiled bytecode between invocations (Node ≥ 22; absent on Deno):
// most of a cold start is compiling `effect`.
;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

const valueGlobals = new Map([["--root", "root"], ["--data-dir", "dataDir"], ["--profile", "profile"], ["--policy", "policy"]])
const connectionGlobals = new Map([...connectionFlags, ...beforeJobFlags].map((name) => [`--${name}`, name]))

/** True once `words` (the positional tokens so far) include a job id, after which job flags follow. */
function pastJobId(words: ReadonlyArray<string>): boolean {
  const [command] = words
  if (command === undefined) return false
  if (command === ":plan" || command === ":run") return words.length > 1
  return !command.startsWith(":") && command !== "completion"
}

interface Split {
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
function splitGlobals(tokens: ReadonlyArray<string>): Split {
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

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s
}

/** Runs one invocation and resolves to its exit status. */
async function main(argv: ReadonlyArray<string>, out: { current: Output }): Promise<number> {
  // Usage errors in the global flags themselves are already JSON under --json.
  out.current = makeOutput({ json: argv.includes("--json"), stdout: process.stdout, stderr: process.stderr, env: process.env })
  const split = splitGlobals(argv)
  out.current = makeOutput({ json: split.json, stdout: process.stdout, stderr: process.stderr, env: process.env, level: split.level })
  const globals: Globals = {
    root: nonEmpty(split.values.root),
    dataDir: nonEmpty(split.values.dataDir),
    // A flag wins over its environment variable, as for every other pair:
    // a request > --profile > FLWD_PROFILE > flwd.yaml > the policy file > secure.
    profile: nonEmpty(split.values.profile) ?? nonEmpty(process.env.FLWD_PROFILE),
    policy: nonEmpty(split.values.policy),
    config: nonEmpty(split.values.config),
    plugins: split.plugins.filter((p) => p !== ""),
    remote: nonEmpty(split.values.remote) ?? nonEmpty(process.env.FLWD_REMOTE),
    token: nonEmpty(split.values.token) ?? nonEmpty(process.env.FLWD_TOKEN),
    json: split.json,
    help: split.help
  }
  const o = out.current
  if (split.version) {
    o.line(split.json ? JSON.stringify({ version: readVersion() }) : `flwd ${readVersion()}`)
    return 0
  }
  const rest = split.rest[0] === "--" ? split.rest.slice(1) : split.rest
  const [word, ...args] = rest
  if (word === undefined) {
    printMainHelp(o, readVersion())
    return 0
  }

  // `:serve` always serves the in-process engine, whatever FLWD_REMOTE says.
  const serving = word === ":serve"
  if (serving && split.values.remote !== undefined) {
    throw new UsageError(":serve serves the engine of this process; --remote does not apply", {
      errors: [{ path: "--remote", message: "not with :serve" }]
    })
  }
  const remote = serving ? undefined : globals.remote

  let handle: Promise<EngineHandle> | undefined
  const engine = (overrides: Partial<Globals> = {}) =>
    handle ??= remote !== undefined ? remoteEngine(remote, globals, split.values) : import("../engine/create-engine.ts").then((m) => {
      const g = { ...globals, ...overrides }
      const started = performance.now()
      return m.createEngine(engineOptionsOf(g)).then((h) => {
        o.verbose(describeEngine(h.settings, h.config?.path ?? null, performance.now() - started))
        // `:serve` reports these itself.
        if (!serving) for (const f of h.reconciled?.failed ?? []) o.note(`flwd: declared source ${f.name} is not loaded: ${f.code}: ${f.detail}`)
        return h
      })
    })
  let interrupts = 0
  const onInterrupt = (handler: (signal: Interrupt) => void) => {
    const signals: ReadonlyArray<Interrupt> = ["SIGINT", "SIGTERM"]
    // The first signal asks the command to wind down (cancel the run); a
    // second one means the user will not wait.
    const listeners = signals.map((s) => [s, () => {
      if (++interrupts > 1) process.exit(s === "SIGINT" ? 130 : 143)
      handler(s)
    }] as const)
    for (const [s, l] of listeners) process.on(s, l)
    return () => {
      for (const [s, l] of listeners) process.off(s, l)
    }
  }

  const spec = word.startsWith(":") || word === "completion" ? findCommand(word) : findCommand(":run")
  if (spec === undefined) {
    const names = visibleCommands().map((c) => c.name)
    throw new UsageError(`unknown command ${word}${nearHint(word, names)}; commands: ${names.join(", ")}`, {
      errors: [{ path: "command", message: "unknown command" }]
    })
  }
  const isJob = !word.startsWith(":") && word !== "completion"
  if (globals.help && !isJob) {
    // `:plan <job> --help` and `:run <job> --help` describe the job instead.
    const sub = spec.subcommands?.find((s) => s.name === args[0])
    if (!(spec.operands?.[0] === "job" && args.length > 0)) {
      printCommandHelp(o, sub !== undefined && spec.name === ":sources" && sub.name === "add" ? await (await import("./source-add-flags.ts")).withKindFlags(sub) : sub ?? spec, sub !== undefined ? spec : undefined)
      return 0
    }
  }
  const ctx: CommandContext = {
    command: isJob ? word : spec.name,
    args: isJob ? [word, ...args] : args,
    globals,
    out: o,
    engine,
    onInterrupt
  }
  const began = performance.now()
  try {
    const command = await spec.load()
    return await command.run(ctx)
  } finally {
    o.verbose(`flwd: ${ctx.command} took ${Math.round(performance.now() - began)} ms`)
    if (handle !== undefined) await handle.then((h) => h.dispose(), () => undefined)
  }
}

/**
 * The engine of the server at `url`. The server has its own job tree, data
 * directory and policy, so flags naming local ones are a mistake here
 * (their environment variables are simply not used); `--profile` asks the
 * server for that profile on each plan and run.
 */
async function remoteEngine(url: string, globals: Globals, flags: Readonly<Record<string, string>>): Promise<EngineHandle> {
  const local = [["root", "--root"], ["dataDir", "--data-dir"], ["policy", "--policy"], ["config", "--config"], ["plugin", "--plugin"]].filter(([key]) => flags[key] !== undefined)
  if (local.length > 0) {
    const names = local.map(([, flag]) => flag)
    throw new UsageError(`${names.join(", ")} ${names.length === 1 ? "configures" : "configure"} the in-process engine; with --remote (or FLWD_REMOTE) the server uses its own`, {
      errors: names.map((flag) => ({ path: flag, message: "not with --remote" }))
    })
  }
  const { createRemoteHandle } = await import("../client/mod.ts")
  out.current.verbose(`flwd: remote engine ${url}${globals.profile !== undefined ? `, profile ${globals.profile} asked` : ""}`)
  return createRemoteHandle({ url, token: globals.token, profile: globals.profile })
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()))
}

// A closed pipe (`flwd :jobs | head -1`) ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0)
  })
}

const out = { current: makeOutput({ json: false, stdout: process.stdout, stderr: process.stderr, env: process.env }) }
let status: number
try {
  status = await main(process.argv.slice(2), out)
} catch (e) {
  status = printProblem(out.current, e)
}
await Promise.all([flush(process.stdout), flush(process.stderr)])
process.exit(status)
