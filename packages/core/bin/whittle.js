#!/usr/bin/env node
// A committed launcher, so the `whittle` bin link is valid right after `npm ci`
// (the compiled CLI in dist/ is produced by the root `prepare` build).
import { main } from '../dist/cli/index.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`whittle: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
