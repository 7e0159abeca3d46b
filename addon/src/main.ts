#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// Loading ~300 modules makes the module loader's own functions hot, and TurboFan, once used, keeps 3-4 MB of
// the node binary's code resident in a server that then sits idle (measured: idle RSS 60.5 -> 55.7 MB, no
// change in a publisher's CPU). Startup code runs once, so the interpreter and baseline compiler serve it;
// run.ts turns the optimizing compiler back on with the first consumer.
setFlagsFromString('--no-opt');
await import('./run.js');
