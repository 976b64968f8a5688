/**
 * @module
 * The console's small components: status badge, problem box, key/value
 * table, pagination links and times.
 */
export { type KvRow, kvTable } from "./kv-table.ts"
export { type PageLinks, pagination, withQuery } from "./pagination.ts"
export { problemBox, type ProblemView } from "./problem-box.ts"
export { statusBadge } from "./status-badge.ts"
export { duration, relative, timeAgo } from "./time.ts"
export { addSourceForm, type AddSourceValues, addSourceValues, sourceTypes, specFromValues } from "./add-source-form.ts"
export { shortDigest } from "./digest.ts"
export { type DiscoveryView, imageTrustOf, trustDetails, trustSummary, type TrustView } from "./image-trust.ts"
