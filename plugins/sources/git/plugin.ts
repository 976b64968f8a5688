/**
 * @module
 * The `git` source plugin's definition: light on purpose (Schemas, CLI
 * flags, its policy section); `make` `import()`s the implementation, which
 * runs the git CLI. Register it with one line in the engine's built-in set.
 */
import * as Effect from "effect/Effect"
import { defineSourcePlugin, PluginError, type SourcePlugin } from "../../../core/mod.ts"
import { gitAddFlags } from "./add-flags.ts"
import type { GitSourceOptions } from "./git-source.ts"
import { gitPolicyFields } from "./policy-section.ts"
import { GitPin } from "./source-pin.ts"
import { GitSourceSpec } from "./spec.ts"

/**
 * Builds the `git` source plugin.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createEngine } from "flwd"
 * import { makeGitSource } from "./plugins/sources/git/plugin.ts"
 *
 * const engine = await createEngine({ plugins: { sources: [makeGitSource({ binary: "/usr/bin/git" })] } })
 * ```
 */
export function makeGitSource(options: GitSourceOptions = {}): SourcePlugin<GitSourceSpec, GitPin> {
  return defineSourcePlugin<GitSourceSpec, GitPin>({
    type: "git",
    spec: GitSourceSpec,
    pin: GitPin,
    addFlags: gitAddFlags,
    policy: gitPolicyFields,
    make: Effect.tryPromise({
      try: () => import("./git-source.ts"),
      catch: (cause) =>
        new PluginError({ code: "plugin.invalid", detail: `Cannot load the git source: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
    }).pipe(Effect.flatMap((m) => m.makeGitImpl(options)))
  })
}

/**
 * The `git` source plugin with default options.
 *
 * @since 0.1.0
 * @category plugins
 */
export const gitSource: SourcePlugin<GitSourceSpec, GitPin> = makeGitSource()
