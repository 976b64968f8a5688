/**
 * @module
 * The plugin's section of the policy file, `http_archive`, and its check:
 *
 * ```yaml
 * http_archive:
 *   allowed_hosts: [downloads.example.com, "127.0.0.1:8080"]
 * ```
 *
 * The engine decodes the whole file with a Schema assembled from core's
 * keys and every plugin's section, so a typo in this section is an error
 * naming the field, and without the plugin the key is unknown.
 */
import { Effect, type Policy, PolicyError, Schema } from "../../../mod.ts"

/** The plugin's policy keys, as Schema fields (the `policy` contribution). */
export const httpArchivePolicy = {
  http_archive: Schema.optional(Schema.Struct({
    /** Hosts archives may come from (`host` or `host:port`). Absent: any host, since the hash pins the content. */
    allowed_hosts: Schema.optional(Schema.Array(Schema.String))
  }))
}

const decode = Schema.decodeUnknownSync(Schema.Struct(httpArchivePolicy))

/** The section, typed (the engine decoded it already; this keeps the type). */
export function sectionOf(policy: Policy): NonNullable<typeof decode extends (u: unknown) => infer S ? S : never>["http_archive"] {
  return decode(policy).http_archive
}

const HOST = /^[a-z0-9.-]+(?::\d{1,5})?$/i

/** The `check` contribution: every `allowed_hosts` entry is a host or host:port, checked when the engine starts. */
export function checkSection(ctx: { readonly policy: Policy }): Effect.Effect<void, PolicyError> {
  const hosts = sectionOf(ctx.policy)?.allowed_hosts ?? []
  const errors = hosts.flatMap((h, i) =>
    HOST.test(h) ? [] : [{ path: `http_archive.allowed_hosts[${i}]`, message: "must be a host or host:port, without scheme or path" }]
  )
  return errors.length === 0 ? Effect.void : Effect.fail(new PolicyError({ code: "policy.invalid", detail: "Invalid policy: http_archive", errors }))
}
