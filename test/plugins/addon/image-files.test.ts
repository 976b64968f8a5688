/**
 * The image file view the interpreter check reads: whiteouts of upper
 * layers, symlinks resolved from the image's root (not the host's), PATH
 * lookup as execvp does it.
 */
import t from "tap"
import { applyEntry, type ImageFiles, lookup, onPath } from "../../../plugins/addon/image-files.ts"

t.test("links resolve inside the image; whiteouts remove what lower layers had", async (t) => {
  const files: ImageFiles = new Map()
  applyEntry(files, "bin/", { type: "directory" })
  applyEntry(files, "bin/busybox", { type: "file" })
  applyEntry(files, "bin/sh", { type: "symlink", linkname: "busybox" })
  applyEntry(files, "usr/bin/env", { type: "symlink", linkname: "/bin/busybox" })
  applyEntry(files, "usr/bin/envy", { type: "file" })
  applyEntry(files, "loop", { type: "symlink", linkname: "loop" })
  t.same(lookup(files, "/bin/sh"), { type: "file" })
  t.same(lookup(files, "/usr/bin/env"), { type: "file" })
  t.equal(lookup(files, "/loop"), undefined, "a loop is missing, not a hang")
  t.equal(onPath(files, "sh", "/usr/bin:/bin"), "/bin/sh")
  t.equal(onPath(files, "python3", "/usr/bin:/bin"), undefined)
  applyEntry(files, "usr/bin/.wh.env", { type: "file" })
  t.equal(lookup(files, "/usr/bin/env"), undefined, "whited out")
  t.same(lookup(files, "/usr/bin/envy"), { type: "file" }, "a sibling sharing the prefix stays")
  applyEntry(files, "bin/.wh..wh..opq", { type: "file" })
  t.equal(lookup(files, "/bin/sh"), undefined, "an opaque directory hides the lower layers' files")
})
