#!/usr/bin/env node
/**
 * @module
 * The `flwd` command as npm installs it. Plain JavaScript that any Node
 * parses, so an older Node gets one line naming the version flwd needs
 * instead of a stack trace about `.ts` files. In a checkout (or through
 * `npm link`) it runs the TypeScript sources, which Node 24 strips itself;
 * the published package carries no sources, only the JavaScript built into
 * `dist/` when packing, because Node refuses to strip types under
 * `node_modules`, and runs the CLI's bundle (`dist/bundle/`, see
 * `bin/build.ts`).
 *
 * The commands that pull in this process (`:serve`, `:sources add` and
 * `refresh`) first restart node once, in the same process, with V8's young
 * generation bounded (docs/operations.md, "The young generation").
 */
import { accessSync, constants, existsSync } from "node:fs"
import module from "node:module"
import process from "node:process"

const major = Number(process.versions.node.split(".")[0])
if (!(major >= 24)) {
  process.stderr.write(`flwd needs Node.js 24 or newer (this is ${process.version})\n`)
  process.exit(1)
}

/** Global flags that take the next word as their value (cli/split-globals.ts). */
const VALUE_FLAGS = new Set(["--root", "--data-dir", "--profile", "--policy", "--config", "--store", "--plugin", "--remote", "--token"])

/** The words of a command line that are neither flags nor a global flag's value: the command and what follows it. */
function words(args) {
  const found = []
  for (let i = 0; i < args.length && args[i] !== "--"; i++) {
    if (VALUE_FLAGS.has(args[i])) i++
    else if (!args[i].startsWith("-")) found.push(args[i])
  }
  return found
}

/** The value of `--name value` or `--name=value` in a command line. */
function flag(args, name) {
  const at = args.indexOf(name)
  return at >= 0 ? args[at + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1)
}

/**
 * Whether the command line runs long or pulls in this process: `:serve`,
 * and `:sources add` (but of a local tree) or `refresh` on an in-process
 * engine (with `--remote`, the server pulls). A restart costs a command
 * another node start, 30–45 ms.
 */
function pulls(args, env) {
  const [command, sub] = words(args)
  if (command === ":serve") return true
  if (command !== ":sources" || (env.FLWD_REMOTE ?? "") !== "" || flag(args, "--remote") !== undefined) return false
  return sub === "refresh" || (sub === "add" && flag(args, "--type") !== "local")
}

/** MiB per semi-space (docs/operations.md, "Memory", has the figures it was chosen from). */
const DEFAULT_MIB = 1

const SEMI_SPACE_FLAG = /(^|[\s"'])--max[-_]semi[-_]space[-_]size\b/

/**
 * The young generation's bound in MiB for this command line, or undefined
 * to run as started. V8's new space is 64 MiB by default, and a server
 * touches all of it while starting and again in every pull (a chunk, a
 * promise and a buffer per read of a download): bounded, a pull's peak is
 * 100 MB lower at the same speed, for more CPU per HTTP request under load.
 * Only node's command line sets the bound: `v8.setFlagsFromString` at run
 * time leaves the new space as it is.
 */
function semiSpaceBound(args, env) {
  const setting = env.FLWD_MAX_SEMI_SPACE_SIZE ?? ""
  if (setting === "off" || !pulls(args, env)) return undefined
  if (process.execArgv.some((a) => SEMI_SPACE_FLAG.test(a)) || SEMI_SPACE_FLAG.test(env.NODE_OPTIONS ?? "")) return undefined
  const mib = setting === "" ? DEFAULT_MIB : Number(setting)
  return Number.isInteger(mib) && mib > 0 ? mib : undefined
}

/** Whether node's own executable can be started again: a failed execve(2) aborts Node 24 rather than throwing. */
function executable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const bound = semiSpaceBound(process.argv.slice(2), process.env)
// `execve` keeps the PID (signals, service managers and whoever waits on
// the process see no difference) and the standard streams. Node has it on
// POSIX systems (not Windows, where it throws, nor Deno): elsewhere flwd
// runs as started.
if (bound !== undefined && typeof process.execve === "function" && executable(process.execPath)) {
  try {
    process.execve(
      process.execPath,
      [process.execPath, `--max-semi-space-size=${bound}`, ...process.execArgv, ...process.argv.slice(1)],
      process.env
    )
  } catch {
    // Runs as started.
  }
}

// Caches compiled bytecode between invocations: most of a cold start is
// compiling `effect`.
module.enableCompileCache?.()

const source = new URL("../cli/main.ts", import.meta.url)
await import(existsSync(source) ? source.href : new URL("../dist/bundle/main.js", import.meta.url).href)
