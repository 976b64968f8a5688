/**
 * @module
 * One invocation of `flwd`, in-process: resolves global flags, picks the
 * command and hands it an output and a lazily started engine, and resolves
 * to the exit status. `main.ts` runs it over the process's streams; tests
 * run it over buffers, so most CLI tests pay no process start. Command
 * modules are imported only when chosen, the engine only when a command
 * asks for it, and core's problem table only when something failed, so
 * `--help`, `--version` and completion never load Effect. With `--remote
 * URL` (or `FLWD_REMOTE`) the engine is a client of that server, and the
 * commands cannot tell the difference.
 */
import process from "node:process"
import { readFileSync } from "node:fs"
import { UsageError } from "./argv.ts"
import { type CommandContext, engineOptionsOf, type Globals, type Interrupt } from "./context.ts"
import { printCommandHelp, printMainHelp } from "./help.ts"
import { makeOutput, type Output, type Sink } from "./output.ts"
import { findCommand, visibleCommands } from "./dispatch.ts"
import { splitGlobals } from "./split-globals.ts"
import { nearHint } from "./suggest.ts"
import { cacheScope } from "./job-id-cache.ts"
import { refreshJobIds } from "./refresh-job-ids.ts"
import { describeEngine } from "./verbose.ts"
import type { EngineHandle } from "../engine/handle.ts"
import { noteLiveServers } from "./live-servers.ts"

/**
 * Where an invocation reads and writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface CliIo {
  readonly stdout: Sink
  readonly stderr: Sink
  /**
   * flwd's own settings (`FLWD_*`, `NO_COLOR`) and the engine's
   * environment. Plugins that hand the host environment to a job still
   * read the process's.
   */
  readonly env: Readonly<Record<string, string | undefined>>
  /**
   * The working directory relative paths (`./jobs`, `.flwd`, `flwd.yaml`)
   * resolve against. Default: the process's. The engine reads the
   * process's, so another one is entered for the invocation, and two
   * invocations in one process must then not overlap.
   */
  readonly cwd?: string
  /** Ends the process on a second Ctrl-C. Default `process.exit`. */
  readonly exit?: (status: number) => void
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
async function main(argv: ReadonlyArray<string>, io: CliIo, out: { current: Output }): Promise<number> {
  // Usage errors in the global flags themselves are already JSON under --json.
  out.current = makeOutput({ json: argv.includes("--json"), stdout: io.stdout, stderr: io.stderr, env: io.env })
  const split = splitGlobals(argv)
  out.current = makeOutput({ json: split.json, stdout: io.stdout, stderr: io.stderr, env: io.env, level: split.level })
  const globals: Globals = {
    root: nonEmpty(split.values.root),
    dataDir: nonEmpty(split.values.dataDir),
    // A flag wins over its environment variable, as for every other pair:
    // a request > --profile > FLWD_PROFILE > flwd.yaml > the policy file > secure.
    profile: nonEmpty(split.values.profile) ?? nonEmpty(io.env.FLWD_PROFILE),
    policy: nonEmpty(split.values.policy),
    config: nonEmpty(split.values.config),
    store: nonEmpty(split.values.store),
    plugins: split.plugins.filter((p) => p !== ""),
    remote: nonEmpty(split.values.remote) ?? nonEmpty(io.env.FLWD_REMOTE),
    token: nonEmpty(split.values.token) ?? nonEmpty(io.env.FLWD_TOKEN),
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
  // The settings the in-process engine started with, for the completion cache.
  let engineGlobals: Globals | undefined
  const engine = (overrides: Partial<Globals> = {}) =>
    handle ??= remote !== undefined ? remoteEngine(remote, globals, split.values, o) : import("../engine/create-engine.ts").then((m) => {
      const g = { ...globals, ...overrides }
      engineGlobals = g
      const started = performance.now()
      return m.createEngine(engineOptionsOf(g, io.env)).then((h) => {
        o.verbose(describeEngine(h.settings, h.config?.path ?? null, performance.now() - started))
        // `:serve` reports these itself.
        if (!serving) { for (const f of h.reconciled?.failed ?? []) o.note(`flwd: declared source ${f.name} is not loaded: ${f.code}: ${f.detail}`) }
        // Changes made here reach a server on this directory, but its runs and load are its own: say where it is.
        if (!serving) noteLiveServers(o, h.settings.dataDir)
        return h
      })
    })
  let interrupts = 0
  const onInterrupt = (handler: (signal: Interrupt) => void) => {
    const signals: ReadonlyArray<Interrupt> = ["SIGINT", "SIGTERM"]
    // The first signal asks the command to wind down (cancel the run); a
    // second one means the user will not wait.
    const listeners = signals.map((s) =>
      [s, () => {
        if (++interrupts > 1) (io.exit ?? process.exit)(s === "SIGINT" ? 130 : 143)
        handler(s)
      }] as const
    )
    for (const [s, l] of listeners) process.on(s, l)
    return () => {
      for (const [s, l] of listeners) process.off(s, l)
    }
  }

  const after: Array<() => void> = []
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
      printCommandHelp(
        o,
        sub !== undefined && spec.name === ":sources" && sub.name === "add"
          ? await (await import("./source-add-flags.ts")).withKindFlags(sub, globals, io.env)
          : sub ?? spec,
        sub !== undefined ? spec : undefined
      )
      return 0
    }
  }
  const ctx: CommandContext = {
    command: isJob ? word : spec.name,
    args: isJob ? [word, ...args] : args,
    globals,
    out: o,
    env: io.env,
    engine,
    afterEngine: (f) => void after.push(f),
    onInterrupt
  }
  const began = performance.now()
  try {
    const command = await spec.load()
    return await command.run(ctx)
  } finally {
    o.verbose(`flwd: ${ctx.command} took ${Math.round(performance.now() - began)} ms`)
    if (handle !== undefined) {
      // `:jobs` and `:sources` touch the database the cache is keyed by (and
      // the latter changes what Tab should offer): bring the cached job ids
      // up to date while the engine is still open. `:jobs` has discovered
      // every job already; a run has not, and listing them all would cost
      // it more than the next Tab saves, so after a run the Tab lists anew.
      const refreshes = spec.name === ":jobs" || spec.name === ":sources"
      const scope = engineGlobals === undefined || !refreshes ? undefined : cacheScope(engineGlobals, io.env, process.cwd())
      if (scope !== undefined) {
        const write = await handle.then((h) => refreshJobIds(h, scope), () => undefined)
        if (write !== undefined) after.push(write)
      }
      await handle.then((h) => h.dispose(), () => undefined)
    }
    for (const f of after) f()
  }
}

/**
 * The engine of the server at `url`. The server has its own job tree, data
 * directory and policy, so flags naming local ones are a mistake here
 * (their environment variables are simply not used); `--profile` asks the
 * server for that profile on each plan and run.
 */
async function remoteEngine(url: string, globals: Globals, flags: Readonly<Record<string, string>>, out: Output): Promise<EngineHandle> {
  const local = [["root", "--root"], ["dataDir", "--data-dir"], ["policy", "--policy"], ["config", "--config"], ["store", "--store"], ["plugin", "--plugin"]]
    .filter(([key]) => flags[key] !== undefined)
  if (local.length > 0) {
    const names = local.map(([, flag]) => flag)
    throw new UsageError(
      `${names.join(", ")} ${names.length === 1 ? "configures" : "configure"} the in-process engine; with --remote (or FLWD_REMOTE) the server uses its own`,
      {
        errors: names.map((flag) => ({ path: flag, message: "not with --remote" }))
      }
    )
  }
  const { createRemoteHandle } = await import("../client/mod.ts")
  out.verbose(`flwd: remote engine ${url}${globals.profile !== undefined ? `, profile ${globals.profile} asked` : ""}`)
  return createRemoteHandle({ url, token: globals.token, profile: globals.profile })
}

/** The working directory the invocations in progress entered, and how many they are. */
let entered: { readonly cwd: string; readonly previous: string; count: number } | undefined

/** Enters `cwd` for one invocation; the returned function leaves it. */
function enter(cwd: string | undefined): () => void {
  if (cwd === undefined) return () => undefined
  if (entered !== undefined && entered.cwd !== cwd) throw new Error(`runCli: an invocation in ${entered.cwd} is still running; ${cwd} cannot be entered`)
  if (entered === undefined) {
    entered = { cwd, previous: process.cwd(), count: 0 }
    process.chdir(cwd)
  }
  entered.count++
  return () => {
    if (entered !== undefined && --entered.count === 0) {
      process.chdir(entered.previous)
      entered = undefined
    }
  }
}

/**
 * Runs one `flwd` command line (without the program name) and resolves to
 * its exit status; problems are printed to `io.stderr`, never thrown.
 *
 * @since 0.1.0
 * @category entrypoints
 * @example
 * ```ts
 * const status = await runCli(["--version"], { stdout: process.stdout, stderr: process.stderr, env: process.env })
 * ```
 */
export async function runCli(argv: ReadonlyArray<string>, io: CliIo): Promise<number> {
  const out = { current: makeOutput({ json: false, stdout: io.stdout, stderr: io.stderr, env: io.env }) }
  const leave = enter(io.cwd)
  try {
    return await main(argv, io, out)
  } catch (e) {
    const { printProblem } = await import("./problem.ts")
    return printProblem(out.current, e)
  } finally {
    leave()
  }
}
