#!/usr/bin/env node
// The bundle `npm run build` makes of src/cli/main.ts (scripts/bundle.mjs): it starts faster than dist/cli/.
import { main } from '../dist/bundle/dtlab.js';

process.exitCode = await main(process.argv.slice(2));
