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
export { addSourceForm, addSourceValues, sourceTypes, specFromValues, type AddSourceValues } from "./add-source-form.ts"
export { shortDigest } from "./digest.ts"
export { imageTrustOf, trustDetails, trustSummary, type DiscoveryView, type TrustView } from "./image-trust.ts"
