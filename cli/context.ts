/**
 * @module
 * What every command receives: its own tokens, the global options, the
 * output, and the engine — started only when a command first asks for it,
 * so help, usage errors and completion scripts never pay for it. The
 * engine is in-process, or a client of a server (`--remote`): the same
 * `EngineHandle` either way.
 */
import type { EngineHandle } from "../engine/handle.ts"
import type { EngineOptions } from "../engine/options.ts"
import type { Output } from "./output.ts"

/** Global options, resolved from flags and the environment. */
export interface Globals {
  /** Job tree root; `undefined` lets the engine use its default (`./jobs`). */
  readonly root: string | undefined
  readonly dataDir: string | undefined
  readonly profile: string | undefined
  readonly policy: string | undefined
  /** `flwd.yaml` to read (`--config`); `undefined` lets the engine look for one. */
  readonly config: string | undefined
  /** The store (`--store`); `undefined` lets the engine read `FLWD_STORE` and `flwd.yaml`. */
  readonly store?: string | undefined
  /** `:serve`'s `--node-lease`; `undefined` lets the engine read `FLWD_NODE_LEASE` and `flwd.yaml`. */
  readonly nodeLease?: string | undefined
  /** Set by `:serve`: the engine takes runs from a shared store's queue. */
  readonly claimsQueuedRuns?: boolean
  /** Plugin modules to load (`--plugin`, repeatable). */
  readonly plugins: ReadonlyArray<string>
  /** The server to talk to (`--remote`, else `$FLWD_REMOTE`); `undefined` runs the engine in-process. */
  readonly remote: string | undefined
  /** Bearer token for `remote` (`--token`, else `$FLWD_TOKEN`). */
  readonly token: string | undefined
  readonly json: boolean
  readonly help: boolean
}

/**
 * The options the in-process engine of an invocation starts with. The
 * environment's `FLWD_PROFILE` is replaced by the profile the globals already
 * resolved (`--profile` > `FLWD_PROFILE`), so the engine sees one answer.
 * `env` is the invocation's (`CommandContext.env`); default the process's.
 */
export function engineOptionsOf(g: Globals, env: Readonly<Record<string, string | undefined>> = process.env): EngineOptions {
  return {
    ...(g.root !== undefined ? { root: g.root } : {}),
    ...(g.dataDir !== undefined ? { dataDir: g.dataDir } : {}),
    ...(g.profile !== undefined ? { profile: g.profile } : {}),
    ...(g.policy !== undefined ? { policyFile: g.policy } : {}),
    ...(g.config !== undefined ? { config: g.config } : {}),
    ...(g.store !== undefined ? { store: g.store } : {}),
    ...(g.nodeLease !== undefined ? { nodeLease: g.nodeLease } : {}),
    ...(g.claimsQueuedRuns === true ? { claimsQueuedRuns: true } : {}),
    ...(g.plugins.length > 0 ? { pluginModules: g.plugins } : {}),
    env: { ...env, FLWD_PROFILE: g.profile }
  }
}

/** A signal the CLI reacts to while a run is followed. */
export type Interrupt = "SIGINT" | "SIGTERM"

/** @since 0.1.0 @category models */
export interface CommandContext {
  /** The command word as typed: `:jobs`, `completion`, or a job id. */
  readonly command: string
  /** The tokens after the command word, global flags removed. */
  readonly args: ReadonlyArray<string>
  readonly globals: Globals
  readonly out: Output
  /** The invocation's environment (`process.env`, or a test's). */
  readonly env: Readonly<Record<string, string | undefined>>
  /**
   * The engine, started on first use and disposed when the command ends.
   * `overrides` apply to that first start only (`:complete` passes the
   * global flags of the command line it completes).
   */
  readonly engine: (overrides?: Partial<Globals>) => Promise<EngineHandle>
  /** Calls `f` when the command has ended and its engine (if one started) is disposed. */
  readonly afterEngine: (f: () => void) => void
  /** Calls `handler` on Ctrl-C / SIGTERM until the returned function is called. */
  readonly onInterrupt: (handler: (signal: Interrupt) => void) => () => void
}

/** A command module: parse, call one engine function, print; resolve to the exit status. */
export interface CommandModule {
  readonly run: (ctx: CommandContext) => Promise<number>
}
