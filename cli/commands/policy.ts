/**
 * @module
 * `flwd :policy show` prints the effective policy: the default profile and
 * what each profile makes of the policy, the registry lists, trusted keys
 * by name and fingerprint (never their PEM text), the ceilings in force
 * and how this host enforces them (cgroup v2, cgroup v1 or per-process
 * rlimits), and overrides.
 * `flwd :policy check <ref>` runs the registry admission and signature
 * verification adding the image as a source would, without adding it, and
 * exits 0 when it would be admitted, 1 when not; any kind whose plugin can
 * `inspect` is checked the same way (`_policy-check.ts`). Both read this machine's
 * policy and plugins without starting the engine or opening its database.
 */
import { PolicyError } from "../../core/mod.ts"
import { inspectStart } from "../../engine/prepare-start.ts"
import { type EffectivePolicy, effectivePolicy } from "../../plugins/policy/mod.ts"
import { expectPositionals, parseArgs, UsageError } from "../argv.ts"
import { checkSpec, inspect, printInspection } from "./_policy-check.ts"
import { type CommandContext, engineOptionsOf } from "../context.ts"
import type { Output } from "../output.ts"

const where = ":policy"

/** The policy, checked as a start would check it, and every profile the engine would load. */
async function load(ctx: CommandContext) {
  // What a start checks (the plugins' checks of their policy sections included), without starting the engine.
  const resolved = await inspectStart(engineOptionsOf(ctx.globals))
  const { settings } = resolved
  const policyDir = settings.policyDir ?? process.cwd()
  const profiles = resolved.plugins.profiles
  const profile = profiles.find((p) => p.name === settings.profile)
  if (profile === undefined) {
    const names = profiles.map((p) => p.name).join(", ")
    throw new PolicyError({
      code: "profile.unknown",
      detail: `Unknown profile "${settings.profile}" (available: ${names})`,
      errors: [{ path: "profile", message: `must be one of ${names}` }]
    })
  }
  return { resolved, policyDir, profiles, profile }
}

function list(values: ReadonlyArray<string> | null | undefined, none: string): string {
  return values == null || values.length === 0 ? none : values.join(", ")
}

function record(value: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(value).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
  return parts.length === 0 ? "none" : parts.join(" ")
}

// What each enforcement holds, in words (docs/sandbox.md, "Limits").
const ENFORCED: Readonly<Record<string, string>> = {
  "cgroup v2": "for the whole run (memory, processes, CPU); /tmp by its size",
  "cgroup v1": "for the whole run (memory, processes, CPU); /tmp by its size",
  "rlimit (per process)": "memory per process, not in total; processes by the host user's RLIMIT_NPROC (not at all for root); /tmp by its size"
}

/** The sandbox's default ceilings and how this host enforces ceilings; the sandbox module loads only here. */
async function ceilingsOnThisHost(): Promise<{ readonly ceilingDefaults: Readonly<Record<string, string | number>>; readonly enforcement: string }> {
  const sandbox = await import("../../plugins/executors/sandbox/mod.ts")
  return { ceilingDefaults: sandbox.DEFAULT_CEILINGS, enforcement: sandbox.enforcementOf(await sandbox.detectCgroups()) }
}

function printPolicy(out: Output, p: EffectivePolicy): void {
  const registriesNone = p.profiles.find((x) => x.default)?.name === "secure" ? "not set (secure admits none)" : "not set"
  out.fields([
    ["policy file", p.file ?? "none"],
    ["profile", p.profile],
    ["verify_signatures", p.verify_signatures],
    ["allowed_registries", p.allowed_registries === null ? registriesNone : list(p.allowed_registries, "none (no registry is admitted)")],
    ["insecure_registries", list(p.insecure_registries, "none (loopback only)")],
    ["blob_hosts", list(p.blob_hosts, "none (blob redirects only to admitted registries)")],
    ["pull_timeout", p.pull_timeout],
    ["trusted_root", p.trust.trusted_root === "public-good" ? "public-good (Sigstore, via TUF)" : p.trust.trusted_root],
    ["ceilings", record(p.ceilings)],
    ["enforced by", p.ceilings_enforcement === null ? "unknown" : `${p.ceilings_enforcement}: ${ENFORCED[p.ceilings_enforcement] ?? ""}`],
    ["overrides", record(p.overrides)]
  ])
  out.line()
  out.line(out.style.bold("trusted keys"))
  if (p.trust.keys.length === 0) out.line("  none")
  for (const k of p.trust.keys) out.line(`  ${k.name}  ${k.path ?? "inline"}  ${k.fingerprint ?? "(unreadable)"}`)
  out.line(out.style.bold("keyless identities"))
  if (p.trust.keyless.length === 0) out.line("  none")
  for (const k of p.trust.keyless) {
    out.line(`  ${k.issuer}  ${k.subject !== undefined ? `subject ${k.subject}` : `subject_regexp ${k.subject_regexp ?? ""}`}`)
  }
  out.line()
  out.table(
    ["PROFILE", "STRICTNESS", "SIGNATURES", "NETWORK", "HOST ENV", "ROOTFS"],
    p.profiles.map((x) => [
      `${x.name}${x.default ? " (default)" : ""}`,
      String(x.strictness),
      x.verify_signatures,
      x.network ? "allowed" : "none",
      x.inherit_env ? "inherited" : "none",
      x.rootfs_writable ? "writable" : "read-only"
    ])
  )
}

function parsed(ctx: CommandContext) {
  return parseArgs(ctx.args, [], where)
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const verb = ctx.args[0] === "check" ? "check" : parseArgs(ctx.args, [], where).positionals[0] ?? "show"
  if (ctx.globals.remote !== undefined) {
    throw new UsageError(":policy reads the policy of this machine; run it where the server runs", {
      errors: [{ path: "--remote", message: "not with :policy" }]
    })
  }
  const { out } = ctx
  if (verb === "show") {
    expectPositionals(parsed(ctx), 1, `${where} show`)
    const { resolved, policyDir, profiles } = await load(ctx)
    const shown = effectivePolicy({
      policy: resolved.settings.policy,
      file: resolved.policyFile,
      policyDir,
      profile: resolved.settings.profile,
      profiles,
      ...(await ceilingsOnThisHost())
    })
    if (out.json) out.document(shown)
    else printPolicy(out, shown)
    return 0
  }
  if (verb === "check") {
    const { resolved, policyDir, profile } = await load(ctx)
    // The spec before anything is fetched: a bad value is a usage or validation error naming the field.
    const { plugin, spec } = checkSpec(ctx.args.slice(1), resolved.plugins.sources)
    const checked = await inspect(plugin, spec, { profile, policy: resolved.settings.policy, policyDir, dataDir: resolved.settings.dataDir })
    if (out.json) out.document(checked.document)
    else printInspection(out, checked)
    return checked.admitted ? 0 : 1
  }
  throw new UsageError(`unknown subcommand ${verb} of :policy; use show or check`, { errors: [{ path: "subcommand", message: "must be show or check" }] })
}
