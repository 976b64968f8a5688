/**
 * Packs an add-on in a process of its own and prints the result with the
 * process's peak RSS, so a test can bound the memory packing takes.
 * Usage: node _pack-child.ts <dir> <tag> <layout>
 */
import { packAddon } from "../../../plugins/addon/mod.ts"

const [dir, tag, ociLayout] = process.argv.slice(2)
const packed = await packAddon({ checkInterpreters: false, dir, tag, ociLayout })
process.stdout.write(JSON.stringify({ digest: packed.digest, layer: packed.layer, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + "\n")
