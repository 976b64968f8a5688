/**
 * @module
 * The console's small components: status badge, problem box, key/value
 * table, pagination links and times.
 */
export { kvTable, type KvRow } from "./kv-table.ts"
export { pagination, withQuery, type PageLinks } from "./pagination.ts"
export { problemBox, type ProblemView } from "./problem-box.ts"
export { statusBadge } from "./status-badge.ts"
export { duration, relative, timeAgo } from "./time.ts"
