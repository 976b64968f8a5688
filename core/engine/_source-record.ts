/**
 * @module
 * Building a source's record (what is stored and listed) from its spec,
 * plugin, pin and loaded tree, and the pin's round trip through the store:
 * encoded with the plugin's `pin` Schema on the way in, decoded with it on
 * the way out, so a pin is never trusted as stored.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { SourceError } from "../domain/errors.ts"
import { PullPolicy, type SourceRecord, type SourceSpec } from "../domain/source.ts"
import type { LoadedSource, SourceImpl, SourcePlugin } from "../plugin.ts"

/** A pin as held in memory (decoded) and as stored (encoded, JSON). */
export interface HeldPin {
  readonly value: unknown
  readonly encoded: unknown
}

export const now = () => new Date().toISOString()

/** What a record needs of a source kind: its type, spec Schema and redaction. */
export interface Kind {
  readonly type: string
  readonly spec: Schema.Schema<any, any>
  readonly redact?: ((spec: any) => Readonly<Record<string, unknown>>) | undefined
}

/** The kind of a plugin with its implementation. */
export const kindOf = (plugin: SourcePlugin<any, any>, impl: SourceImpl<any, any>): Kind => ({ type: plugin.type, spec: plugin.spec, redact: impl.redact })

/** The spec as it may be shown and stored: the plugin's redaction, else the spec encoded with its Schema. */
export function storedSpec(plugin: Kind, spec: SourceSpec): Record<string, unknown> {
  try {
    if (plugin.redact !== undefined) return { ...plugin.redact(spec) }
    const encoded = Schema.encodeUnknownEither(plugin.spec)(spec)
    return Either.isRight(encoded) && typeof encoded.right === "object" && encoded.right !== null ? { ...encoded.right } : envelope(spec)
  } catch {
    // A redaction that throws must not leak the spec it failed on: keep only the envelope.
    return envelope(spec)
  }
}

const envelope = (spec: SourceSpec) => ({ type: spec.type, name: spec.name })

export function recordOf(
  spec: SourceSpec,
  plugin: Kind,
  loaded: LoadedSource,
  pin: HeldPin | null,
  created: string
): SourceRecord {
  return {
    name: spec.name,
    type: plugin.type,
    spec: storedSpec(plugin, spec),
    status: "ready",
    provenance: { ...loaded.provenance },
    ...(pin !== null ? { pin: pin.encoded } : {}),
    error: null,
    job_count: loaded.jobs.length,
    diagnostics: [...loaded.diagnostics],
    created_at: created,
    updated_at: now()
  }
}

export function failedRecord(
  spec: Readonly<Record<string, unknown>> & { readonly name: string },
  type: string,
  error: Pick<SourceError, "code" | "detail">,
  created: string,
  pin?: unknown
): SourceRecord {
  return {
    name: spec.name,
    type,
    spec: { ...spec },
    status: "failed",
    provenance: {},
    ...(pin !== undefined ? { pin } : {}),
    error: { code: error.code, detail: error.detail },
    job_count: 0,
    diagnostics: [],
    created_at: created,
    updated_at: now()
  }
}

/** Encodes a pin the plugin resolved; a plugin without a `pin` Schema gets its pins kept in memory only. */
export function holdPin(plugin: SourcePlugin<any, any>, value: unknown): HeldPin {
  if (plugin.pin === undefined) return { value, encoded: undefined }
  const encoded = Schema.encodeUnknownEither(plugin.pin)(value)
  return { value, encoded: Either.isRight(encoded) ? encoded.right : undefined }
}

/** Decodes a stored pin; null when there is none or it no longer decodes (it is resolved again). */
export function restorePin(plugin: SourcePlugin<any, any>, stored: unknown): HeldPin | null {
  if (plugin.pin === undefined || stored === undefined || stored === null) return null
  const decoded = Schema.decodeUnknownEither(plugin.pin)(stored)
  return Either.isRight(decoded) ? holdPin(plugin, decoded.right) : null
}

/**
 * The pin of a record stored before pins were core's (an older data
 * directory): what the plugin's `pin` Schema finds in the record's
 * provenance, where plugins recorded what they resolved (a digest, a
 * commit); null when it finds none, and the source is resolved again.
 */
export function pinOfRecord(plugin: SourcePlugin<any, any>, record: SourceRecord): HeldPin | null {
  return restorePin(plugin, record.pin) ?? (record.pin === undefined ? restorePin(plugin, record.provenance) : null)
}

/** Two pins name the same content when they encode alike. */
export function samePin(a: HeldPin | null, b: HeldPin | null): boolean {
  if (a === null || b === null) return a === b
  if (a.encoded === undefined || b.encoded === undefined) return a.value === b.value
  return JSON.stringify(a.encoded) === JSON.stringify(b.encoded)
}

/** Whether two records of a source say the same, whenever each was written. */
export function sameContent(a: SourceRecord, b: SourceRecord): boolean {
  return sameJson({ ...a, updated_at: "" }, { ...b, updated_at: "" })
}

/** Deep equality of JSON values, whatever the order of their keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

const isPullPolicy = Schema.is(PullPolicy)

/** The spec's `pull_policy`, default `on-add`. */
export function pullPolicyOf(spec: SourceSpec): PullPolicy {
  return isPullPolicy(spec.pull_policy) ? spec.pull_policy : "on-add"
}
