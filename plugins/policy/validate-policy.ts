/**
 * @module
 * Checks of a decoded policy that its Schema cannot express: registry
 * and blob host entries are exact `host[:port]` names (DESIGN §6), the
 * pull timeout is a positive duration, ceilings are
 * quantities the sandbox can enforce, and the default profile is named.
 * Each problem names its field, so an operator knows what to fix.
 */
import { type FieldError, parseDuration, type Policy } from "../../core/mod.ts"
import { registryEntryProblem } from "../profiles/mod.ts"

// The sandbox's spellings (Kubernetes quantities): `512Mi`, `1G`; `1`, `0.5`, `500m`.
const MEMORY = /^\d+(?:\.\d+)?(?:[kKMGT]i?)?$/
const CPU = /^\d+(?:\.\d+)?m?$/

function registries(field: string, list: ReadonlyArray<string> | undefined): Array<FieldError> {
  return (list ?? []).flatMap((entry, i) => {
    const problem = registryEntryProblem(entry)
    return problem === null ? [] : [{ path: `${field}[${i}]`, message: problem }]
  })
}

function positive(text: string, pattern: RegExp): boolean {
  return pattern.test(text) && Number.parseFloat(text) > 0
}

/**
 * The fields of `policy` that are wrong, with what is wrong; empty when
 * none is.
 *
 * @since 0.1.0
 * @category utils
 */
export function policyProblems(policy: Policy): ReadonlyArray<FieldError> {
  const out: Array<FieldError> = []
  if (policy.profile !== undefined && policy.profile.trim() === "") out.push({ path: "profile", message: "must name a profile, e.g. secure" })
  out.push(...registries("allowed_registries", policy.allowed_registries))
  out.push(...registries("insecure_registries", policy.insecure_registries))
  out.push(...registries("blob_hosts", policy.blob_hosts))
  if (policy.pull_timeout !== undefined && !((parseDuration(policy.pull_timeout) ?? 0) > 0)) {
    out.push({ path: "pull_timeout", message: `${JSON.stringify(policy.pull_timeout)} is not a duration such as 120s or 5m` })
  }
  const c = policy.ceilings
  if (c?.memory !== undefined && !positive(c.memory, MEMORY)) {
    out.push({ path: "ceilings.memory", message: `${JSON.stringify(c.memory)} is not a quantity such as 512Mi` })
  }
  if (c?.cpu !== undefined && !positive(c.cpu, CPU)) {
    out.push({ path: "ceilings.cpu", message: `${JSON.stringify(c.cpu)} is not a quantity such as 1 or 500m` })
  }
  if (c?.timeout !== undefined && !((parseDuration(c.timeout) ?? 0) > 0)) {
    out.push({ path: "ceilings.timeout", message: `${JSON.stringify(c.timeout)} is not a duration such as 30m` })
  }
  if (c?.pids !== undefined && !(Number.isSafeInteger(c.pids) && c.pids > 0)) {
    out.push({ path: "ceilings.pids", message: `${JSON.stringify(c.pids)} is not a whole number of processes such as 256` })
  }
  if (c?.tmp !== undefined && !positive(c.tmp, MEMORY)) {
    out.push({ path: "ceilings.tmp", message: `${JSON.stringify(c.tmp)} is not a quantity such as 64Mi` })
  }
  return out
}
