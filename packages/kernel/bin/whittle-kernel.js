#!/usr/bin/env node
// Committed launcher: the kernelspec points here; the compiled kernel is in dist/.
import { main } from '../dist/cli.js';

main(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
