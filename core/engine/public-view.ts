/**
 * @module
 * What leaves the engine of a job's arguments: the one place that turns a
 * job definition and a run's resolved arguments into their public form.
 * Every secret value becomes `***` (DESIGN §4), and so does a secret's
 * default — a default is a value too, written once in `config.yaml` and
 * bound into every run that gives none. The public argspec keeps
 * `default: "***"`, so readers (API, CLI help, remote clients) still learn
 * that the argument is optional and has a default, never what it is.
 *
 * The JobCatalog hands out only public jobs, so jobs, plans, runs and
 * everything built from them (views, the store, the CLI) carry the public
 * argspec; only the Planner asks the catalogue for the defined one, to
 * validate a request and bind the default.
 */
import type { ArgDef, ArgSpec } from "../domain/argspec.ts"

/**
 * What a secret value or default is shown as.
 *
 * @since 0.1.0
 * @category constructors
 */
export const SECRET_MASK = "***"

const hidesValue = (def: ArgDef): boolean => def.format === "secret" && def.default !== undefined && def.default !== SECRET_MASK

// Specs are immutable and live as long as their catalogue snapshot.
const specs = new WeakMap<ArgSpec, ArgSpec>()

/**
 * The argspec with every secret default replaced by `***`; the same object
 * when it has none, so its compiled form and JSON Schema stay cached.
 *
 * @since 0.1.0
 * @category constructors
 */
export function publicArgSpec(spec: ArgSpec): ArgSpec {
  if (!spec.args.some(hidesValue)) return spec
  let shown = specs.get(spec)
  if (shown === undefined) {
    shown = { ...spec, args: spec.args.map((def) => hidesValue(def) ? { ...def, default: SECRET_MASK } : def) }
    specs.set(spec, shown)
  }
  return shown
}

/**
 * A job (or job definition) whose argspec is public.
 *
 * @since 0.1.0
 * @category constructors
 */
export function publicJob<J extends { readonly argspec: ArgSpec }>(job: J): J {
  const argspec = publicArgSpec(job.argspec)
  return argspec === job.argspec ? job : { ...job, argspec }
}

/**
 * The values with every secret replaced by `***`, for plans, events and logs.
 *
 * @since 0.1.0
 * @category constructors
 */
export function redactArgs(
  values: Readonly<Record<string, unknown>>,
  secretNames: ReadonlyArray<string>
): Record<string, unknown> {
  // Most jobs have no secret: a copy, without the set and the entry pairs (a spread also defines own keys).
  if (secretNames.length === 0) return { ...values }
  const secret = new Set(secretNames)
  // fromEntries defines own keys: no key, `__proto__` included, can reach a prototype.
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, secret.has(k) ? SECRET_MASK : v]))
}
