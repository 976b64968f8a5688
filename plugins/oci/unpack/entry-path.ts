/**
 * @module
 * Archive member names to path components. A leading `/` or `./` is dropped,
 * as tar does when extracting, so absolute names land inside the root; `..`
 * is refused outright rather than resolved (an image has no reason to carry
 * it). A backslash is an ordinary character on Linux and never a separator.
 */
import { UnpackFault } from "./_fault.ts"

/**
 * The components of a member name (none for the root itself, `./`); fails
 * with an `UnpackFault` on NUL bytes, `..`, and names that are too long.
 *
 * @since 0.1.0
 * @category utils
 */
export function entryComponents(name: string, options: { readonly maxLength: number; readonly layer?: string; readonly what?: string }): ReadonlyArray<string> {
  const what = options.what ?? "entry"
  const fail = (reason: "invalid-name" | "path-escape" | "limit-exceeded", detail: string) =>
    new UnpackFault({ reason, detail, layer: options.layer, entry: name.slice(0, 512) })
  if (name.includes("\0")) throw fail("invalid-name", `${what} name contains a NUL byte`)
  if (Buffer.byteLength(name) > options.maxLength) throw fail("limit-exceeded", `${what} name is longer than ${options.maxLength} bytes`)
  const parts = name.split("/").filter((p) => p !== "" && p !== ".")
  for (const part of parts) {
    if (part === "..") throw fail("path-escape", `${what} name contains ".."`)
    if (Buffer.byteLength(part) > 255) throw fail("invalid-name", `${what} name has a component longer than 255 bytes`)
  }
  return parts
}
