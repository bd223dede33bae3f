/**
 * `@whittle/core/report`: kept as a re-export of `@whittle/report`, where report
 * kinds, schema, tables and MIME bundles now live (no tfjs). New code imports
 * `@whittle/report` directly.
 */
export * from '@whittle/report';
