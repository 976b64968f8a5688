/**
 * @module
 * The built-in plugin set: one registration line per built-in kind.
 */
import type { EngineSettings, ExecutorPlugin, LazyExecutorPlugin, LazySourcePlugin, PluginSet, SourcePlugin } from "../core/mod.ts"
import { makeProcessExecutor } from "../plugins/executors/process/mod.ts"
import { builtinProfiles } from "../plugins/profiles/mod.ts"
import { localSource } from "../plugins/sources/local/mod.ts"

/**
 * The built-in plugins plus `extra`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function enginePlugins(settings: EngineSettings, extra: Partial<PluginSet> = {}): PluginSet {
  // git, oci and the sandbox are imported when first needed: a command that
  // never touches them (most `flwd :jobs`, `flwd <job>`) starts without
  // loading a registry client, the sigstore libraries or bubblewrap probes.
  const gitSource: LazySourcePlugin = { type: "git", lazy: () => import("../plugins/sources/git/mod.ts").then((m) => m.gitSource) }
  const ociSource: LazySourcePlugin = { type: "oci", lazy: () => import("../plugins/sources/oci/mod.ts").then((m) => m.ociSource) }
  const sandbox: LazyExecutorPlugin = {
    kind: "sandbox",
    lazy: () =>
      import("../plugins/executors/sandbox/mod.ts").then((m) =>
        m.makeSandboxExecutor({ killGraceMs: settings.killGraceMs, ceilings: settings.policy.ceilings })
      )
  }
  return {
    sources: [localSource, gitSource, ociSource, ...(extra.sources ?? [])],
    profiles: [...builtinProfiles, ...(extra.profiles ?? [])],
    executors: [makeProcessExecutor({ killGraceMs: settings.killGraceMs }), sandbox, ...(extra.executors ?? [])]
  }
}

/**
 * The same set with every lazy plugin imported (for the checks a config
 * file's declared sources need before the engine starts).
 *
 * @since 0.1.0
 * @category constructors
 */
export async function importPlugins(set: PluginSet): Promise<{
  readonly sources: ReadonlyArray<SourcePlugin<any>>
  readonly profiles: PluginSet["profiles"]
  readonly executors: ReadonlyArray<ExecutorPlugin>
}> {
  return {
    sources: await Promise.all(set.sources.map((p) => ("lazy" in p ? p.lazy() : p))),
    profiles: set.profiles,
    executors: await Promise.all(set.executors.map((p) => ("lazy" in p ? p.lazy() : p)))
  }
}
