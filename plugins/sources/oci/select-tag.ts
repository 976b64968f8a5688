/**
 * @module
 * The `semver` constraint of a source: the highest tag of the repository
 * that is a semantic version satisfying the range. Tags such as `v1.2.3`
 * are read as `1.2.3` (a common spelling); pre-releases only match a range
 * that names one, as npm does.
 */
import * as Effect from "effect/Effect"
import semver from "semver"
import { SourceError } from "../../../core/mod.ts"
import { formatReference, type ImageReference, ociProblem, type RegistryClient, toProblem } from "../../oci/mod.ts"

/**
 * The highest tag in `tags` matching `range`, or null.
 *
 * @since 0.1.0
 * @category utils
 */
export function highestMatchingTag(tags: ReadonlyArray<string>, range: string): string | null {
  let best: { readonly tag: string; readonly version: string } | null = null
  for (const tag of tags) {
    const version = semver.valid(tag.startsWith("v") ? tag.slice(1) : tag)
    if (version === null || !semver.satisfies(version, range)) continue
    // On equal versions (`1.2.3` and `v1.2.3`) the plain spelling wins, so the choice is stable.
    const cmp = best === null ? 1 : semver.compare(version, best.version)
    if (cmp > 0 || (cmp === 0 && best !== null && !tag.startsWith("v") && best.tag.startsWith("v"))) best = { tag, version }
  }
  return best?.tag ?? null
}

/**
 * Lists the tags of `ref`'s repository and returns `ref` with the highest
 * tag matching `range`; fails with `E_OCI` when none matches.
 *
 * @since 0.1.0
 * @category constructors
 */
export function selectTag(client: RegistryClient, ref: ImageReference, range: string): Effect.Effect<ImageReference, SourceError> {
  return Effect.gen(function* () {
    const where = `${ref.registry}/${ref.repository}`
    const tags = yield* client.tags(ref).pipe(Effect.mapError((e) => toProblem(e, where)))
    const tag = highestMatchingTag(tags, range)
    if (tag === null) {
      return yield* ociProblem("E_OCI", `${where}: no tag matches semver ${JSON.stringify(range)} (${tags.length} tag${tags.length === 1 ? "" : "s"} listed)`, {
        errors: [{ path: "semver", message: "no tag matches" }]
      })
    }
    const chosen = { ...ref, tag, digest: null }
    return { ...chosen, normalized: formatReference(chosen) }
  })
}
