/**
 * @module
 * The `oci` source plugin's definition: light on purpose. Its Schemas, CLI
 * flags, policy section and problem codes are plain data; the registry
 * client, the unpacker and the sigstore libraries are `import()`ed inside
 * `make` (and the hooks), so an engine that never touches an add-on never
 * loads them. Register it with one line in the engine's built-in set.
 */
import * as Effect from "effect/Effect"
import { defineSourcePlugin, PluginError, type SourcePlugin } from "../../../core/mod.ts"
import { ociAddFlags } from "./add-flags.ts"
import type { OciSourceOptions } from "./oci-source.ts"
import { ociPolicyFields } from "./policy-section.ts"
import { ociProblems } from "../../oci/problems/mod.ts"
import { OciPin } from "./source-pin.ts"
import { OciSourceSpec } from "./spec.ts"

const importing = <M>(what: string, load: () => Promise<M>) =>
  Effect.tryPromise({
    try: load,
    catch: (cause) =>
      new PluginError({
        code: "plugin.invalid",
        detail: `Cannot load the oci source's ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
  })

/**
 * The `oci` source plugin with `options` (see `OciSourceOptions`).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { createEngine } from "flwd"
 * import { makeOciSource } from "./plugins/sources/oci/plugin.ts"
 *
 * const engine = await createEngine({ plugins: { sources: [makeOciSource({ concurrency: 1 })] } })
 * ```
 */
export function makeOciSource(options: OciSourceOptions = {}): SourcePlugin<OciSourceSpec, OciPin> {
  return defineSourcePlugin<OciSourceSpec, OciPin>({
    type: "oci",
    spec: OciSourceSpec,
    pin: OciPin,
    addFlags: ociAddFlags,
    policy: ociPolicyFields,
    problems: ociProblems,
    check: (ctx) => Effect.flatMap(Effect.orDie(importing("policy check", () => import("./check.ts"))), (m) => m.checkOciPolicy(ctx)),
    // What a killed pull left behind, swept at every start whatever sources exist (the module looks with node:fs before importing the OCI library).
    sweep: (ctx) => Effect.flatMap(importing("start-up sweep", () => import("./sweep.ts")), (m) => Effect.asVoid(m.sweepLeftovers(ctx.dataDir))),
    // What adding the spec would decide (`flwd :policy check`); the registry client and sigstore load only then.
    inspect: (spec, ctx) => Effect.flatMap(Effect.orDie(importing("checker", () => import("./check-image.ts"))), (m) => m.inspectImage(spec, ctx)),
    gc: (ctx) => Effect.flatMap(importing("collector", () => import("./gc-hook.ts")), (m) => m.gcOci(ctx)),
    make: Effect.flatMap(importing("implementation", () => import("./oci-source.ts")), (m) => m.makeOciImpl(options))
  })
}

/**
 * The `oci` source plugin with default options.
 *
 * @since 0.1.0
 * @category plugins
 */
export const ociSource: SourcePlugin<OciSourceSpec, OciPin> = makeOciSource()
