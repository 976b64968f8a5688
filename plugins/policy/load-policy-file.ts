/**
 * @module
 * Reading the policy file (`--policy`, `FLWD_POLICY_FILE`, `./flwd.policy.yaml`).
 * An invalid file is an error naming each failing field; nothing starts on it.
 */
import { existsSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import * as Schema from "effect/Schema"
import { parse } from "yaml"
import { ConfigError, fieldErrors, type Policy } from "../../core/mod.ts"
import { policyProblems } from "./validate-policy.ts"

/** Policy files are small; anything bigger is refused before parsing. */
const MAX_POLICY_BYTES = 1024 * 1024

/**
 * A policy and the file it came from (null: none, the empty policy).
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadedPolicy {
  readonly policy: Policy
  readonly path: string | null
}

/**
 * Loads and validates a policy file: its YAML, the Schema the engine's
 * plugins assemble (`assembleContributions`: core's keys plus every
 * plugin's section; unknown keys refused) and `policyProblems`. With no
 * explicit path,
 * `./flwd.policy.yaml` is used when it exists, else the empty policy.
 * Throws `ConfigError` `policy.invalid` naming the file and each field.
 *
 * @since 0.1.0
 * @category constructors
 */
export function loadPolicyFile(path: string | undefined, cwd: string, schema: Schema.Schema<Policy, unknown>): LoadedPolicy {
  const explicit = path !== undefined && path !== ""
  const file = resolve(cwd, explicit ? path : "flwd.policy.yaml")
  if (!explicit && !existsSync(file)) return { policy: {}, path: null }
  let text: string
  try {
    const bytes = readFileSync(file)
    if (bytes.length > MAX_POLICY_BYTES) throw new Error(`larger than ${MAX_POLICY_BYTES} bytes`)
    text = bytes.toString("utf8")
  } catch (e) {
    throw new ConfigError({ code: "policy.invalid", detail: `Cannot read policy file ${file}: ${messageOf(e)}` })
  }
  let raw: unknown
  try {
    raw = parse(text) ?? {}
  } catch (e) {
    throw new ConfigError({ code: "policy.invalid", detail: `Policy file ${file} is not valid YAML: ${messageOf(e)}` })
  }
  const decoded = Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "all" })(raw)
  if (decoded._tag === "Left") {
    throw new ConfigError({ code: "policy.invalid", detail: `Invalid policy file ${file}`, errors: fieldErrors(decoded.left) })
  }
  const problems = policyProblems(decoded.right)
  if (problems.length > 0) {
    throw new ConfigError({ code: "policy.invalid", detail: `Invalid policy file ${file}`, errors: problems })
  }
  return { policy: decoded.right, path: file }
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))
