/**
 * @module
 * The add-on manifest, `/flwd-addon/manifest.yaml` (DESIGN §5): what an
 * add-on is, which flwd it needs, and optionally which jobs of its tree it
 * exposes. Decoded strictly — unknown keys are errors — so a typo in an
 * image never silently changes what is exposed.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import semver from "semver"
import { parse } from "yaml"
import { type FieldError, fieldErrors, messageOf } from "../../../core/mod.ts"

/** Job ids as tree-v1 spells them: `/`-separated names, no `.`/`..` segments. */
const JobId = Schema.String.pipe(
  Schema.pattern(/^(?!\.{1,2}(\/|$))[A-Za-z0-9_][A-Za-z0-9._-]*(\/(?!\.{1,2}(\/|$))[A-Za-z0-9_][A-Za-z0-9._-]*)*$/, {
    message: () => "must be a job path under /flwd-addon/jobs/ (letters, digits, '.', '_', '-', '/')"
  })
)

const Version = Schema.String.pipe(
  Schema.filter((v) => semver.valid(v) === v || "must be a semantic version such as 1.0.0")
)

const Range = Schema.String.pipe(
  Schema.filter((r) => semver.validRange(r) !== null || 'must be a semver range such as ">=0.1.0"')
)

/**
 * Permissions an add-on may ask for. `network` asks for network access in
 * the sandbox; whether it gets it is the profile's and the policy's call.
 *
 * @since 0.1.0
 * @category models
 */
export const AddonPermission = Schema.Literal("network")

const Text = (max: number) => Schema.String.pipe(Schema.minLength(1), Schema.maxLength(max))

/**
 * `apiVersion: flwd.addon/v1`, `kind: AddOn`, `metadata`, `requires`, `jobs?`.
 *
 * @since 0.1.0
 * @category models
 */
export const AddonManifest = Schema.Struct({
  apiVersion: Schema.Literal("flwd.addon/v1"),
  kind: Schema.Literal("AddOn"),
  metadata: Schema.Struct({
    id: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
      message: () => "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    })),
    name: Text(200),
    version: Version,
    summary: Schema.optional(Text(500)),
    license: Schema.optional(Text(200)),
    maintainers: Schema.optional(Schema.Array(Schema.Struct({
      name: Text(200),
      email: Schema.optional(Text(320)),
      url: Schema.optional(Text(2000))
    })))
  }),
  requires: Schema.Struct({
    flwd: Range,
    permissions: Schema.optional(Schema.Array(AddonPermission))
  }),
  jobs: Schema.optional(Schema.Array(Schema.Struct({
    id: JobId,
    summary: Schema.optional(Text(500))
  })))
})
/** @since 0.1.0 @category models */
export type AddonManifest = typeof AddonManifest.Type

/** Manifests are a few lines; anything larger is refused before parsing. @since 0.1.0 @category utils */
export const MAX_MANIFEST_BYTES = 64 * 1024

const decode = Schema.decodeUnknownEither(AddonManifest, { onExcessProperty: "error", errors: "all" })

/**
 * Parses and validates manifest text. `flwdVersion`, when given, must
 * satisfy `requires.flwd`. Returns the manifest or every failing field.
 *
 * @since 0.1.0
 * @category constructors
 */
export function parseAddonManifest(
  text: string,
  options: { readonly flwdVersion?: string } = {}
): Either.Either<AddonManifest, ReadonlyArray<FieldError>> {
  let raw: unknown
  try {
    raw = parse(text, { uniqueKeys: true, maxAliasCount: 50 })
  } catch (e) {
    return Either.left([{ path: "", message: `is not valid YAML: ${oneLine(messageOf(e))}` }])
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return Either.left([{ path: "", message: "must be a YAML mapping" }])
  }
  const decoded = decode(raw)
  if (Either.isLeft(decoded)) return Either.left(mostSpecific(fieldErrors(decoded.left as ParseResult.ParseError)))
  const manifest = decoded.right
  const errors: Array<FieldError> = []
  const seen = new Set<string>()
  for (const [i, job] of (manifest.jobs ?? []).entries()) {
    if (seen.has(job.id)) errors.push({ path: `jobs.${i}.id`, message: `lists ${job.id} twice` })
    seen.add(job.id)
  }
  const flwd = options.flwdVersion
  if (flwd !== undefined && semver.valid(flwd) !== null && !semver.satisfies(flwd, manifest.requires.flwd, { includePrerelease: true })) {
    errors.push({ path: "requires.flwd", message: `needs flwd ${manifest.requires.flwd}; this is flwd ${flwd}` })
  }
  return errors.length > 0 ? Either.left(errors) : Either.right(manifest)
}

/** An optional field reports its inner failure and "Expected undefined" too; the inner one says more. */
function mostSpecific(errors: ReadonlyArray<FieldError>): ReadonlyArray<FieldError> {
  return errors.filter((e) => !errors.some((o) => o !== e && o.path.startsWith(`${e.path}.`)))
}

function oneLine(s: string): string {
  const line = s.replace(/\s+/g, " ").trim()
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}
