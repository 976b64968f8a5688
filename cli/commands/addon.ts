/**
 * @module
 * `flwd :addon`: add-on authoring without Docker — `init`, `validate`,
 * `pack`, `push`, `sign`, `keygen`. Each subcommand parses its flags, calls
 * one function of the add-on library and prints; none starts the engine.
 * An add-on that fails validation exits 2 (like a usage error: the input
 * is wrong), a registry failure 1.
 */
import type { AddonValidation, PushProgress } from "../../plugins/addon/mod.ts"
import { expectPositionals, parseArgs, type ParsedArgs, stringFlag, UsageError } from "../argv.ts"
import type { CommandContext } from "../context.ts"
import type { Output } from "../output.ts"
import { isProblemLike, printProblem } from "../problem.ts"
import { checkSubcommand, findCommand } from "../registry.ts"

const spec = findCommand(":addon")!

/** Problems meaning the add-on itself is invalid. */
const INVALID = new Set(["E_ADDON_MANIFEST", "discovery.invalid", "discovery.collision", "addon.interpreter.missing"])

function operand(parsed: ParsedArgs, where: string, what: string): string {
  const [value] = expectPositionals(parsed, 1, where)
  if (value === undefined) throw new UsageError(`${where} needs ${what}`, { errors: [{ path: what.replace(/^an? /, ""), message: "is required" }] })
  return value
}

function required(parsed: ParsedArgs, flag: string, where: string): string {
  const value = stringFlag(parsed, flag)
  if (value === undefined) throw new UsageError(`${where} needs --${flag}`, { errors: [{ path: `--${flag}`, message: "is required" }] })
  return value
}

function registryOptions(parsed: ParsedArgs) {
  return { insecureRegistries: (parsed.flags["insecure-registry"] as ReadonlyArray<string> | undefined) ?? [] }
}

function bytes(n: number): string {
  return n < 1024
    ? `${n} B`
    : n < 1024 ** 2
    ? `${(n / 1024).toFixed(1)} KiB`
    : n < 1024 ** 3
    ? `${(n / 1024 ** 2).toFixed(1)} MiB`
    : `${(n / 1024 ** 3).toFixed(2)} GiB`
}

/** Progress notes on a terminal only: blobs that take a while get a line per quarter. */
function progress(out: Output): ((e: PushProgress) => void) | undefined {
  if (!out.interactive || out.json || out.quiet) return undefined
  const shown = new Map<string, number>()
  return (e) => {
    const short = e.digest.slice(7, 19)
    if (e.type === "bytes") {
      if (e.size < 8 * 1024 * 1024) return
      const quarter = Math.floor((e.sent / e.size) * 4)
      if (quarter > (shown.get(e.digest) ?? 0) && quarter < 4) {
        shown.set(e.digest, quarter)
        out.note(`  ${short}  ${bytes(e.sent)} of ${bytes(e.size)}`)
      }
    } else if (e.state !== "uploading") out.note(`  ${short}  ${e.state === "exists" ? "already there" : e.state} (${bytes(e.size)})`)
  }
}

function printValidation(out: Output, v: AddonValidation): number {
  if (v.valid) {
    if (out.json) {
      out.document({
        valid: true,
        subject: v.subject,
        kind: v.kind,
        ...(v.digest !== undefined ? { digest: v.digest } : {}),
        addon: v.addon,
        jobs: v.jobs,
        diagnostics: v.diagnostics
      })
    } else {
      out.line(`valid: ${v.addon!.id} ${v.addon!.version} (${v.addon!.name})${v.digest !== undefined ? ` ${v.digest}` : ""}`)
      out.line(`jobs: ${v.jobs.length > 0 ? v.jobs.join(", ") : "none"}`)
    }
  }
  for (const d of v.diagnostics.filter((x) => x.level === "warning")) {
    if (!out.json) out.note(`${out.style.yellow("warning")}: ${d.path}: ${d.code}: ${d.message}`)
  }
  if (v.valid) return 0
  printProblem(out, v.problem)
  return 2
}

async function dispatch(ctx: CommandContext, sub: string, parsed: ParsedArgs): Promise<number> {
  const lib = await import("../../plugins/addon/mod.ts")
  const { out } = ctx
  const where = `:addon ${sub}`
  switch (sub) {
    case "init": {
      const dir = operand(parsed, where, "a directory")
      const r = await lib.initAddon({
        dir,
        id: stringFlag(parsed, "id"),
        name: stringFlag(parsed, "name"),
        force: parsed.flags.force === true,
        busybox: parsed.flags.busybox === true
      })
      if (out.json) out.document(r)
      else {
        out.line(`created add-on ${r.id} in ${r.dir}: ${r.files.join(", ")}`)
        out.info(`next: flwd :addon validate ${dir}`)
      }
      return 0
    }
    case "validate": {
      const target = operand(parsed, where, "a directory or image reference")
      const base = stringFlag(parsed, "base")
      return printValidation(
        out,
        await lib.validateAddon({
          target,
          platform: stringFlag(parsed, "platform"),
          registry: registryOptions(parsed),
          ...(base !== undefined ? { base } : {})
        })
      )
    }
    case "pack":
    case "push": {
      const source = operand(parsed, where, sub === "pack" ? "a directory" : "an OCI layout directory")
      const tag = required(parsed, "tag", where)
      const onProgress = progress(out)
      const common = { registry: registryOptions(parsed), onProgress }
      const r = sub === "pack"
        ? await lib.packAddon({
          dir: source,
          tag,
          ...common,
          base: stringFlag(parsed, "base"),
          platform: stringFlag(parsed, "platform"),
          ociLayout: stringFlag(parsed, "oci-layout"),
          push: parsed.flags.push === true
        })
        : await lib.pushImage({ image: source, ref: tag, ...common })
      const pushed = "pushed" in r ? r.pushed : "blobs" in r ? r : undefined
      if (out.json) {
        out.document({
          // snake_case, as every --json document.
          digest: r.digest,
          ref: r.ref,
          size: r.size,
          media_type: r.mediaType,
          ...("layout" in r && r.layout !== undefined ? { layout: r.layout } : {}),
          ...("addon" in r ? { addon: r.addon, layer: { digest: r.layer.digest, diff_id: r.layer.diffId, size: r.layer.size } } : {}),
          pushed: pushed !== undefined,
          ...(pushed !== undefined ? { blobs: pushed.blobs } : {})
        })
        return 0
      }
      if ("addon" in r) out.info(`packed ${r.addon.id} ${r.addon.version}: add-on layer ${r.layer.digest} (${bytes(r.layer.size)})`)
      if ("layout" in r && r.layout !== undefined) out.info(`wrote ${r.layout}:${r.ref.slice(r.ref.lastIndexOf(":") + 1)}`)
      if (pushed !== undefined) {
        out.info(`pushed ${pushed.ref}: ${pushed.blobs.uploaded} blob(s) uploaded, ${pushed.blobs.mounted} mounted, ${pushed.blobs.skipped} already there`)
      }
      out.line(r.digest)
      return 0
    }
    case "sign": {
      const ref = operand(parsed, where, "an image reference")
      const r = await lib.signImage({ ref, key: required(parsed, "key", where), registry: registryOptions(parsed) })
      if (out.json) out.document({ digest: r.digest, ref: r.ref, signature_ref: r.signatureRef, signature_digest: r.signatureDigest, added: r.added })
      else {
        out.info(r.added ? `signed ${r.ref}` : `${r.ref} was already signed with this key`)
        out.line(r.signatureRef)
      }
      return 0
    }
    default: {
      expectPositionals(parsed, 0, where)
      const r = await lib.generateKeyPair({ out: stringFlag(parsed, "out") ?? "key", force: parsed.flags.force === true })
      if (out.json) out.document({ private_key: r.privateKeyPath, public_key: r.publicKeyPath })
      else out.line(`wrote ${r.privateKeyPath} (private: keep it secret) and ${r.publicKeyPath} (public: for the policy's trust.keys)`)
      return 0
    }
  }
}

/** @since 0.1.0 @category commands */
export async function run(ctx: CommandContext): Promise<number> {
  const [first, ...rest] = ctx.args
  const names = spec.subcommands!.map((s) => s.name)
  checkSubcommand(spec, first)
  const sub = spec.subcommands!.find((s) => s.name === first)
  if (sub === undefined) {
    throw new UsageError(`${spec.name} needs a subcommand: ${names.join(", ")}`, {
      errors: [{ path: "subcommand", message: first === undefined ? "is required" : "unknown subcommand" }]
    })
  }
  const parsed = parseArgs(rest, sub.flags, `:addon ${sub.name}`)
  try {
    return await dispatch(ctx, sub.name, parsed)
  } catch (e) {
    // An invalid add-on is wrong input, like a usage error: exit 2.
    if (isProblemLike(e) && INVALID.has(e.code)) {
      printProblem(ctx.out, e)
      return 2
    }
    throw e
  }
}
