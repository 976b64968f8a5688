/**
 * @module
 * The CLI as the published package runs it: one tree-shaken bundle, so a
 * command loads a few large files instead of about 800 modules, and none
 * of `effect/Schema`'s `fast-check` that nothing calls. Built by `npm run
 * build` into `dist/bundle/` (which `bin/flwd.js` runs when there are no
 * sources beside it) and by `bench/cli.ts`, which measures it beside the
 * sources. `dist/mod.js` stays unbundled: it is the library, which
 * programs import beside their own `effect`.
 */
import { cpSync } from "node:fs"
import { join } from "node:path"

const repo = join(import.meta.dirname, "..")

/** Bundles `cli/main.ts` (and the modules it starts by path) into `outdir`. */
export async function bundleCli(outdir: string): Promise<void> {
  const { build } = await import("esbuild")
  await build({
    entryPoints: {
      main: join(repo, "cli/main.ts"),
      // Started by path beside the module that spawns it (plugins/oci/unpack/_layer-runner.ts).
      _worker: join(repo, "plugins/oci/unpack/_worker.ts")
    },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    // Packages loaded with `createRequire` (undici, sigstore) or CommonJS
    // only are left to Node: the few commands that need them import them
    // lazily.
    external: ["undici", "sigstore", "@sigstore/*", "@opentelemetry/*", "@effect/opentelemetry", "prom-client", "tar-stream"],
    // CommonJS code inside the bundle (semver) calls `require`.
    banner: { js: 'import { createRequire as __flwdRequire } from "node:module"; const require = __flwdRequire(import.meta.url);' },
    logLevel: "warning"
  })
  // What the bundled modules read beside themselves (server/ui/assets.ts).
  cpSync(join(repo, "server/ui/assets"), join(outdir, "assets"), { recursive: true })
}
