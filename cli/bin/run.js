#!/usr/bin/env node
// The `hermes` executable. Commands are TypeScript run through tsx, so a fresh
// clone works after `npm ci` with no build step; the committed
// oclif.manifest.json lets `hermes --help` list commands without loading them.
import { register } from "tsx/esm/api";
import { execute } from "@oclif/core";

register();
await execute({ dir: import.meta.url });
