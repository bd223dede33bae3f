/** `@whittle/core/report`: report types, schema, tables and MIME bundles — no tfjs. */
export * from './schema.js';
export * from './table.js';
export * from './mime.js';
export * from './histogram.js';
