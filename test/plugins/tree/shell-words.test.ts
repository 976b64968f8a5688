import t from "tap"
import { splitShellWords } from "../../../plugins/tree/mod.ts"

const words = (text: string) => {
  const r = splitShellWords(text)
  return r.ok ? r.words : r.message
}

t.test("splitShellWords() splits on whitespace and honours quotes", async (t) => {
  t.same(words("  ./run.sh   a\tb\nc "), ["./run.sh", "a", "b", "c"])
  t.same(words(`say "Ada Lovelace" 'it''s' x"y"'z'`), ["say", "Ada Lovelace", "its", "xyz"])
  t.same(words(`a "" ''`), ["a", "", ""], "empty quotes make empty words")
  t.same(words(`"a \\"b\\" \\\\ \\$x \\n"`), [`a "b" \\ $x \\n`], 'double quotes keep backslashes except before " \\ $ `')
  t.same(words(`'a \\ b'`), ["a \\ b"], "single quotes keep everything")
  t.same(words(`a\\ b c\\"d`), ["a b", `c"d`], "a backslash keeps the next character")
})

t.test("splitShellWords() expands nothing", async (t) => {
  t.same(words("echo $HOME ~ *.txt $(id) `id`"), ["echo", "$HOME", "~", "*.txt", "$(id)", "`id`"])
  const r = splitShellWords(`echo $HOME "\${X}" '$SAFE' $(id)`)
  t.ok(r.ok && r.expansions.length === 3)
  t.same(r.ok && r.expansions, ["$HOME", "${X}", "$("])
})

t.test("splitShellWords() finds unquoted shell syntax", async (t) => {
  const r = splitShellWords("a | b && c; d > e 2>&1 || f < g & `x`")
  t.same(r.ok && r.operators, ["|", "&&", ";", ">", ">&", "||", "<", "&", "`"])
  const quoted = splitShellWords(`grep 'a|b' "x > y" c\\;`)
  t.same(quoted.ok && quoted.operators, [], "quoted or escaped syntax is plain text")
})

t.test("splitShellWords() reports unterminated quotes", async (t) => {
  t.same(words("echo 'a"), "unterminated single quote at character 6")
  t.same(words(`echo "a`), "unterminated double quote")
  t.same(words("echo \\"), "trailing backslash")
})
