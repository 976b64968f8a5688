/**
 * @module
 * `flwd :config validate [file]` and `flwd :config show`: check a
 * `flwd.yaml` (its fields, its plugins, its declared sources against their
 * plugins) and print the effective configuration with secrets masked. Both
 * work without starting the engine or touching the data directory.
 */
import { stringify } from "yaml"
import { findConfigFile } from "../../engine/config-file.ts"
import { effectiveConfig } from "../../engine/effective-config.ts"
import type { EngineOptions } from "../../engine/options.ts"
import { inspectStart } from "../../engine/prepare-start.ts"
import { expectPositionals, parseArgs, UsageError } from "../argv.ts"
import { type CommandContext, engineOptionsOf } from "../context.ts"

const where = ":config"

function engineOptions(ctx: CommandContext, config?: string): EngineOptions {
  return { ...engineOptionsOf(ctx.globals, ctx.env), ...(config !== undefined ? { config } : {}) }
}

async function validate(ctx: CommandContext, file: string | undefined): Promise<number> {
  const given = file ?? ctx.globals.config
  const path = findConfigFile(given !== undefined ? { config: given } : {})
  if (path === null) {
    throw new UsageError("No config file to validate: give one, or use --config, $FLWD_CONFIG or ./flwd.yaml", {
      errors: [{ path: "file", message: "no config file found" }]
    })
  }
  // Reads the file and the policy, loads the plugins and checks each declared source: what a start would refuse.
  const { modules, config } = await inspectStart(engineOptions(ctx, path))
  const declared = config?.config.sources ?? []
  if (ctx.out.json) {
    ctx.out.document({ file: path, valid: true, plugins: modules.map((m) => m.file), sources: declared.map((s) => s.name) })
  } else {
    ctx.out.line(`${path}: valid`)
    if (modules.length > 0) ctx.out.info(`  plugins: ${modules.map((m) => m.specifier).join(", ")}`)
    if (declared.length > 0) ctx.out.info(`  sources: ${declared.map((s) => s.name).join(", ")}`)
  }
  return 0
}

async function show(ctx: CommandContext): Promise<number> {
  const resolved = await inspectStart(engineOptions(ctx))
  const { DEFAULT_BIND } = await import("../../server/serve.ts")
  const shown = effectiveConfig({
    file: resolved.config,
    dataDir: resolved.settings.dataDir,
    root: resolved.settings.root,
    profile: resolved.settings.profile,
    policyFile: resolved.policyFile,
    bind: resolved.config?.config.bind ?? DEFAULT_BIND,
    allowedLocalRoots: resolved.settings.allowedLocalRoots,
    pluginTimeoutMs: resolved.inputs.pluginTimeoutMs,
    plugins: resolved.inputs.pluginModules.map((m) => m.specifier)
  })
  if (ctx.out.json) ctx.out.document(shown)
  else ctx.out.raw("stdout", stringify(shown))
  return 0
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const parsed = parseArgs(ctx.args, [], where)
  const [verb, file, ...rest] = parsed.positionals
  if (verb === "validate") {
    if (rest.length > 0) expectPositionals(parsed, 2, `${where} validate`)
    return validate(ctx, file)
  }
  if (verb === "show") {
    expectPositionals(parsed, 1, `${where} show`)
    return show(ctx)
  }
  throw new UsageError(verb === undefined ? ":config needs a subcommand: validate or show" : `:config has no subcommand "${verb}" (validate, show)`, {
    errors: [{ path: "subcommand", message: "must be validate or show" }]
  })
}
