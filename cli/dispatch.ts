/**
 * @module
 * The module that runs each command, imported when the command is: the
 * command table (`registry.ts`) with a lazy loader per command. Kept apart
 * from the table because commands read the table (their flags), and a
 * table that imported them back would be an import cycle.
 */
import type { CommandModule } from "./context.ts"
import { commands, type CommandSpec as Spec } from "./registry.ts"

/** @since 0.1.0 @category models */
export interface CommandSpec extends Spec {
  readonly load: () => Promise<CommandModule>
}

const loaders: Readonly<Record<string, () => Promise<CommandModule>>> = {
  ":jobs": () => import("./commands/jobs.ts"),
  ":plan": () => import("./commands/plan.ts"),
  ":run": () => import("./commands/run.ts"),
  ":runs": () => import("./commands/runs.ts"),
  ":events": () => import("./commands/events.ts"),
  ":sources": () => import("./commands/sources.ts"),
  ":gc": () => import("./commands/gc.ts"),
  ":policy": () => import("./commands/policy.ts"),
  ":addon": () => import("./commands/addon.ts"),
  "completion": () => import("./commands/completion.ts"),
  ":complete": () => import("./commands/complete.ts"),
  ":serve": () => import("./commands/serve.ts"),
  ":config": () => import("./commands/config.ts")
}

const missing = (name: string) => () => Promise.reject(new Error(`flwd: no module runs ${name}`))

const dispatchable: ReadonlyArray<CommandSpec> = commands.map((c) => ({ ...c, load: loaders[c.name] ?? missing(c.name) }))

/** Finds a command by name (`completion` also answers to `:completion`), with its loader. */
export function findCommand(name: string): CommandSpec | undefined {
  const wanted = name === ":completion" ? "completion" : name
  return dispatchable.find((c) => c.name === wanted)
}

/** The commands a user may type, for help and suggestions. */
export function visibleCommands(): ReadonlyArray<CommandSpec> {
  return dispatchable.filter((c) => c.hidden !== true)
}
