/**
 * @module
 * An example third-party source plugin: `http-archive` downloads a
 * `.tar.gz` job tree from an http(s) URL, pinned by SHA-256.
 *
 * ```sh
 * flwd --plugin ./examples/plugins/http-archive/mod.ts :sources add --type http-archive --name tools \
 *   --url https://downloads.example.com/tools-1.2.tar.gz --set sha256=<64 hex digits>
 * ```
 */
import { makeHttpArchiveSource } from "./http-archive-source.ts"

export { type HttpArchiveOptions, HttpArchiveSpec, makeHttpArchiveSource } from "./http-archive-source.ts"

export default makeHttpArchiveSource()
