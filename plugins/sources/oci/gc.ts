/**
 * @module
 * Garbage collection of pulled images (`flwd :gc`): every rootfs under
 * `addons/<digest>/`, cached blob and pin that no source refers to is
 * removed. Blobs a referenced image needs (its index, manifest, config and
 * layers) are kept, so re-adding it needs no download. Nothing is removed
 * while any live process is pulling into the data directory, and nothing
 * an engine sharing the store holds a lease on (`lease-keys.ts`): a leased
 * rootfs, a leased blob and what it reaches, a pin of a leased image. Those
 * are reported as kept with the reason.
 */
import { lstat, readdir, rm } from "node:fs/promises"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import type { SourceRecord } from "../../../core/mod.ts"
import { type Digest, makeBlobStore, sweepPartial } from "../../oci/mod.ts"
import { activePulls } from "./_activity.ts"
import { leasedDigests } from "./lease-keys.ts"
import { listPins, removePin } from "./pins.ts"

/**
 * What a collection removed (or, with `dryRun`, would remove).
 *
 * @since 0.1.0
 * @category models
 */
export interface GcResult {
  /** Manifest digests whose rootfs was removed. */
  readonly rootfs: ReadonlyArray<string>
  readonly blobs: ReadonlyArray<string>
  readonly pins: ReadonlyArray<string>
  /** What nothing refers to but an engine holds a lease on: kept, each with the reason. */
  readonly leased: ReadonlyArray<{ readonly item: string; readonly reason: string }>
  readonly freedBytes: number
  /** Set when nothing was collected, with the reason. */
  readonly skipped: string | null
}

const isDigest = (s: string) => /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/.test(s)

async function sizeOf(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null)
  if (st === null) return 0
  if (!st.isDirectory()) return st.size
  const names = await readdir(path).catch(() => [] as Array<string>)
  let total = 0
  for (const name of names) total += await sizeOf(join(path, name))
  return total
}

/**
 * The digests the given sources refer to: each `oci` source's manifest,
 * index and resolved digest from its provenance, and, for a source that
 * failed to load, those of its pin (its image stays for the next restart).
 *
 * @since 0.1.0
 * @category constructors
 */
export function collectReferences(dataDir: string, records: ReadonlyArray<SourceRecord>): Effect.Effect<ReadonlySet<string>> {
  return Effect.map(listPins(dataDir), (pins) => {
    const out = new Set<string>()
    for (const record of records) {
      if (record.type !== "oci") continue
      for (const key of ["digest", "index_digest", "resolved_digest"]) {
        const value = record.provenance[key]
        if (typeof value === "string" && isDigest(value)) out.add(value)
      }
      const pin = pins.get(record.name)
      if (record.status !== "ready" && pin !== undefined) {
        out.add(pin.digest)
        out.add(pin.resolved_digest)
      }
    }
    return out
  })
}

/** The blobs an image needs: the referenced manifests and indexes, their children, configs and layers. */
function closure(store: ReturnType<typeof makeBlobStore>, roots: ReadonlySet<string>): Effect.Effect<ReadonlySet<string>> {
  return Effect.gen(function* () {
    const keep = new Set<string>()
    const pending = [...roots]
    while (pending.length > 0) {
      const digest = pending.pop()!
      if (keep.has(digest)) continue
      keep.add(digest)
      const bytes = yield* Effect.option(store.read(digest as Digest, 4 * 1024 * 1024))
      if (bytes._tag === "None") continue
      let doc: { config?: { digest?: unknown }; layers?: Array<{ digest?: unknown }>; manifests?: Array<{ digest?: unknown }> }
      try {
        doc = JSON.parse(Buffer.from(bytes.value).toString("utf8"))
      } catch {
        continue
      }
      const children = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : []), ...(Array.isArray(doc.manifests) ? doc.manifests : [])]
      for (const child of children) {
        if (typeof child?.digest === "string" && isDigest(child.digest)) {
          // Layers and configs are leaves: kept without being read.
          if (child === doc.config || doc.layers?.includes(child as never)) keep.add(child.digest)
          else pending.push(child.digest)
        }
      }
    }
    return keep
  })
}

/**
 * Removes what `referenced` (manifest or index digests) does not reach.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * const refs = await Effect.runPromise(collectReferences(dataDir, records))
 * const result = await Effect.runPromise(gcAddons(dataDir, refs))
 * console.log(result.rootfs.length, result.freedBytes)
 * ```
 */
export function gcAddons(
  dataDir: string,
  referenced: Iterable<string>,
  options: { readonly dryRun?: boolean; readonly leases?: ReadonlyArray<string> } = {}
): Effect.Effect<GcResult> {
  return Effect.gen(function* () {
    const pulling = yield* activePulls(dataDir)
    if (pulling.length > 0) {
      return { rootfs: [], blobs: [], pins: [], leased: [], freedBytes: 0, skipped: `a pull is in progress (process ${pulling.join(", ")}); nothing removed` }
    }
    const roots = new Set([...referenced].filter(isDigest))
    const leases = leasedDigests(options.leases ?? [])
    const leased: Array<{ item: string; reason: string }> = []
    const keptFor = (item: string, why: string) => leased.push({ item, reason: `${why}: an engine sharing the store is adding or serving it` })
    const store = makeBlobStore(dataDir)
    const dry = options.dryRun === true
    if (!dry) yield* Effect.ignore(sweepPartial(dataDir, store))
    let freed = 0
    const rootfs: Array<string> = []
    for (const name of yield* Effect.promise(() => readdir(join(dataDir, "addons")).catch(() => [] as Array<string>))) {
      if (!isDigest(name) || roots.has(name)) continue
      if (leases.rootfs.has(name)) {
        keptFor(`rootfs ${name}`, `leased (oci:rootfs:${name})`)
        continue
      }
      const dir = join(dataDir, "addons", name)
      freed += yield* Effect.promise(() => sizeOf(dir))
      if (!dry) yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
      rootfs.push(name)
    }
    const keep = yield* closure(store, roots)
    // A leased blob keeps what it reaches: a pull leases the index before it writes the manifests it names.
    const keepLeased = yield* closure(store, new Set([...leases.blobs].filter(isDigest)))
    const blobs: Array<string> = []
    for (const digest of yield* Effect.orElseSucceed(store.list, () => [] as ReadonlyArray<Digest>)) {
      if (keep.has(digest)) continue
      if (keepLeased.has(digest)) {
        keptFor(`blob ${digest}`, leases.blobs.has(digest) ? `leased (oci:blob:${digest})` : "named by a leased image")
        continue
      }
      freed += yield* Effect.promise(() => sizeOf(store.path(digest)))
      if (!dry) yield* Effect.ignore(store.remove(digest))
      blobs.push(digest)
    }
    const pins: Array<string> = []
    for (const [name, pin] of yield* listPins(dataDir)) {
      if (roots.has(pin.digest) || roots.has(pin.resolved_digest)) continue
      if (leases.rootfs.has(pin.digest) || leases.blobs.has(pin.resolved_digest)) {
        keptFor(`pin ${name}`, `its image is leased`)
        continue
      }
      if (!dry) yield* removePin(dataDir, name)
      pins.push(name)
    }
    return { rootfs, blobs, pins, leased, freedBytes: freed, skipped: null }
  })
}
