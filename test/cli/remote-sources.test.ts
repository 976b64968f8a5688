/**
 * `flwd --remote URL :sources`: adding, replacing, listing, showing,
 * refreshing and removing sources on the server, compared with the
 * in-process engine reading the same data directory.
 */
import t from "tap"
import { remoteSandbox, withoutTimestamps } from "./_remote.ts"

const { remote, same } = await remoteSandbox(t)

t.test(":sources adds, lists, shows, refreshes and removes on the server", async (t) => {
  const add = await remote(":sources", "add", "--type", "local", "--name", "team", "--path", "./team")
  t.equal(add.code, 0, add.stderr)
  t.equal(add.stdout, "added source team (local): ready, 1 job\n")
  const again = await remote(":sources", "add", "--type", "local", "--name", "team", "--path", "./team")
  t.equal(again.stdout, "replaced source team (local): ready, 1 job\n")
  const teamRun = await remote("team/hello-world", "--name", "Teammate")
  t.equal(teamRun.code, 0, teamRun.stderr)
  t.match(teamRun.stdout, "Teammate")

  // The in-process engine reloads the stored source: only its timestamps may differ.
  await same(t, [":jobs"])
  await same(t, [":sources"])
  await same(t, [":sources", "list", "--json"], withoutTimestamps)
  await same(t, [":sources", "show", "team"], withoutTimestamps)

  const refreshed = await remote(":sources", "refresh", "team")
  t.equal(refreshed.code, 0, refreshed.stderr)
  t.match(refreshed.stdout, /^Name\s+team\n/)
  // --json follows the server's events from the newest one (`HEAD /events`) while it refreshes.
  const refreshedJson = await remote(":sources", "refresh", "team", "--json")
  t.equal(refreshedJson.code, 0, refreshedJson.stderr)
  t.match(JSON.parse(refreshedJson.stdout), { name: "team", status: "ready" })

  const outside = await remote(":sources", "add", "--type", "local", "--name", "outside", "--path", "/")
  t.equal(outside.code, 1)
  t.match(outside.stderr, /^flwd: source\.not\.allowed: /)
  await same(t, [":sources", "add", "--type", "nope", "--name", "x"])

  const removed = await remote(":sources", "remove", "team")
  t.equal(removed.stdout, "removed source team\n")
  await same(t, [":sources", "show", "team"])
  await same(t, [":sources", "refresh", "team", "--json"])
})
