/**
 * @module
 * Help text, built from the command registry so it never drifts from what
 * the parser accepts.
 */
import type { FlagSpec } from "./argv.ts"
import type { Output } from "./output.ts"
import { globalFlags } from "./global-flags.ts"
import { type CommandSpec, visibleCommands } from "./registry.ts"

/**
 * `  --name <value>   description` lines, aligned. `showHidden` lists the
 * connection flags too: hidden from a job's flags, they are still flwd's.
 */
export function flagLines(flags: ReadonlyArray<FlagSpec>, showHidden = false): ReadonlyArray<readonly [string, string]> {
  return flags.filter((f) => showHidden || f.hidden !== true).map((f) => {
    const short = f.short !== undefined ? `-${f.short}, ` : ""
    const value = f.kind === "boolean" ? "" : ` <${f.valueName ?? "value"}>`
    return [`${short}--${f.name}${value}`, f.description] as const
  })
}

function section(out: Output, title: string, pairs: ReadonlyArray<readonly [string, string]>): void {
  if (pairs.length === 0) return
  out.line()
  out.line(out.style.bold(`${title}:`))
  out.fields(pairs, "  ")
}

/** Global flags, listed at the end of every help page. */
export function printGlobalFlags(out: Output): void {
  section(out, "Global flags", flagLines(globalFlags.filter((f) => f.name !== "version")))
}

/** `flwd --help`. */
export function printMainHelp(out: Output, version: string): void {
  out.line(`flwd ${version} — discover, plan and run typed jobs`)
  out.line()
  out.line(out.style.bold("Usage:"))
  out.line("  flwd <job> [job flags]       run a job, streaming its output; exits with its exit code")
  out.line("  flwd <command> [flags]")
  section(out, "Commands", visibleCommands().map((c) => [c.name, c.summary] as const))
  section(out, "Flags", flagLines(globalFlags, true))
  out.line()
  out.line("Run `flwd <command> --help` for a command's flags, `flwd <job> --help` for a job's arguments.")
  out.line("Job flags that clash with a global flag can be given after `--`.")
}

/** `flwd <command> --help` (or a subcommand's). */
export function printCommandHelp(out: Output, spec: CommandSpec, parent?: CommandSpec): void {
  const name = parent !== undefined ? `${parent.name} ${spec.name}` : spec.name
  out.line(`flwd ${name} — ${spec.summary}`)
  out.line()
  out.line(out.style.bold("Usage:"))
  out.line(`  ${spec.usage}`)
  if (spec.subcommands !== undefined) {
    section(out, "Subcommands", spec.subcommands.map((s) => [s.name, s.summary] as const))
  }
  const own = parent !== undefined && spec.name === "list" ? parent.flags : spec.flags
  section(out, "Flags", flagLines(own))
  printGlobalFlags(out)
  if (spec.examples !== undefined && spec.examples.length > 0) {
    out.line()
    out.line(out.style.bold("Examples:"))
    for (const e of spec.examples) out.line(`  ${e}`)
  }
  if (spec.subcommands !== undefined) {
    out.line()
    out.line(`Run \`flwd ${spec.name} <subcommand> --help\` for a subcommand's flags.`)
  }
}
