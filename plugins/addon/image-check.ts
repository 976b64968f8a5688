/**
 * @module
 * The interpreter check of an authoring directory: the image it would pack
 * into — the base image's layers (listed from the registry), `rootfs/`,
 * the add-on layer — and each job's interpreter looked up in it.
 */
import * as Effect from "effect/Effect"
import type { FieldError, JobDefinition } from "../../core/mod.ts"
import { makeRegistryClient, parsePlatform, type RegistryOptions } from "../oci/mod.ts"
import { runAddonEffect } from "./_run.ts"
import { type BaseImage, resolveBase } from "./base-image.ts"
import { DEFAULT_PATH, missingInterpreters } from "./check-interpreters.ts"
import { collectAddonEntries, collectRootfsEntries } from "./collect-tree.ts"
import { addEntries, addLayer, type ImageFiles } from "./image-files.ts"
import { openBlob } from "./staged-image.ts"

/** The `PATH` of a base config's `Env`, else execvp's default. */
function pathOf(base: BaseImage | undefined): string {
  const env = (base?.config.config as { Env?: ReadonlyArray<string> } | undefined)?.Env ?? []
  const path = env.find((e) => e.startsWith("PATH="))
  return path !== undefined ? path.slice(5) : DEFAULT_PATH
}

/**
 * The interpreters `jobs` would miss in the image packed from `dir` over `base`.
 *
 * @since 0.1.0
 * @category utils
 */
export async function checkDirectoryImage(
  dir: string,
  jobs: ReadonlyArray<JobDefinition>,
  options: { readonly base?: string; readonly platform?: string; readonly registry?: RegistryOptions }
): Promise<ReadonlyArray<FieldError>> {
  const files: ImageFiles = new Map()
  let base: BaseImage | undefined
  if (options.base !== undefined) {
    const client = makeRegistryClient(options.registry)
    try {
      base = await runAddonEffect(resolveBase(client, options.base, options.platform !== undefined ? parsePlatform(options.platform) : undefined), options.base)
      for (const layer of base.layers) {
        const type = layer.descriptor.mediaType
        if (/zstd/.test(type)) continue // not listable here; the run will tell
        await addLayer(files, openBlob(layer, client), /gzip/.test(type))
      }
    } finally {
      await Effect.runPromise(client.close)
    }
  }
  addEntries(files, await collectRootfsEntries(dir))
  addEntries(files, await collectAddonEntries(dir))
  return missingInterpreters(jobs, files, pathOf(base))
}
