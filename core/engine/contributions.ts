/**
 * @module
 * What the plugins of one engine contribute, assembled once: the policy
 * Schema (core's keys plus every plugin's section) and the problem table
 * (core's codes plus every plugin's). A key or code claimed twice is an
 * error naming both claimants, so no plugin silently shadows another.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { PluginError, problemCodes, type ProblemInfo, type ProblemTable } from "../domain/errors.ts"
import { corePolicyFields, type Policy } from "../domain/policy.ts"
import type { Contributions, PluginSet } from "../plugin.ts"

/** @since 0.2.0 @category models */
export interface AssembledContributions {
  /** Decodes a whole policy file; unknown keys are rejected. */
  readonly policy: Schema.Schema<Policy, unknown>
  readonly problems: ProblemTable
}

/** A plugin with what it contributes, named for messages (`source oci`, `profile secure`). */
interface Contributor {
  readonly what: string
  readonly contributions: Contributions
}

function contributors(set: PluginSet): ReadonlyArray<Contributor> {
  return [
    ...set.sources.map((p) => ({ what: `source plugin "${p.type}"`, contributions: p })),
    ...set.executors.map((p) => ({ what: `executor plugin "${p.kind}"`, contributions: p })),
    ...set.profiles.map((p) => ({ what: `profile plugin "${p.name}"`, contributions: p }))
  ]
}

/**
 * Assembles the policy Schema and the problem table of a plugin set.
 *
 * @since 0.2.0
 * @category constructors
 */
export function assembleContributions(set: PluginSet): Either.Either<AssembledContributions, PluginError> {
  const fields: Record<string, Schema.Struct.Field> = { ...corePolicyFields }
  const fieldOwner = new Map<string, string>(Object.keys(corePolicyFields).map((k) => [k, "core"]))
  const problems: Record<string, ProblemInfo> = { ...problemCodes }
  const codeOwner = new Map<string, string>(Object.keys(problemCodes).map((k) => [k, "core"]))
  for (const { what, contributions } of contributors(set)) {
    for (const [key, field] of Object.entries(contributions.policy ?? {})) {
      const owner = fieldOwner.get(key)
      if (owner !== undefined) return Either.left(twice("policy key", key, owner, what))
      fieldOwner.set(key, what)
      fields[key] = field
    }
    for (const [code, info] of Object.entries(contributions.problems ?? {})) {
      const owner = codeOwner.get(code)
      // One plugin object listed under two names (aliases) contributes its table once.
      if (owner !== undefined && owner !== what) return Either.left(twice("problem code", code, owner, what))
      codeOwner.set(code, what)
      problems[code] = info
    }
  }
  const policy = Schema.Struct(fields).annotations({ parseOptions: { onExcessProperty: "error" } })
  // The assembled Struct's Type is core's keys plus plugins' sections, which is what Policy says.
  return Either.right({ policy: policy as unknown as Schema.Schema<Policy, unknown>, problems })
}

const twice = (what: string, name: string, first: string, second: string) =>
  new PluginError({ code: "plugin.invalid", detail: `Both ${first} and ${second} claim the ${what} "${name}"` })
