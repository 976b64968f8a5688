import t from "tap"
import { makeLineSplitter, MAX_LINE_BYTES } from "../../../plugins/exec/mod.ts"

const bytes = (s: string) => new TextEncoder().encode(s)

t.test("makeLineSplitter() splits on \\n and \\r\\n across chunks", async (t) => {
  const s = makeLineSplitter()
  t.same(s.push(bytes("one\r\ntw")), ["one"])
  t.same(s.push(bytes("o\r")), [])
  t.same(s.push(bytes("\nthree\n\n")), ["two", "three", ""])
  t.same(s.end(), [])
})

t.test("makeLineSplitter() returns a trailing partial line at the end", async (t) => {
  const s = makeLineSplitter()
  t.same(s.push(bytes("a\nlast")), ["a"])
  t.same(s.end(), ["last"])
})

t.test("makeLineSplitter() caps a line and never splits a character", async (t) => {
  const s = makeLineSplitter(8)
  t.same(s.push(bytes("abcdefghij")), ["abcdefgh"])
  t.same(s.push(bytes("k\n")), ["ijk"])
  const u = makeLineSplitter(8)
  // "é" is two bytes; the cut at 8 would fall inside the fifth one.
  const lines = [...u.push(bytes("aaaaaaaé")), ...u.push(bytes("é\n"))]
  t.same(lines, ["aaaaaaa", "éé"])
  t.equal(MAX_LINE_BYTES, 65536)
})

t.test("makeLineSplitter() splits a huge line that arrives in one chunk", async (t) => {
  const s = makeLineSplitter(4)
  t.same(s.push(bytes("0123456789\n")), ["0123", "4567", "89"])
})
