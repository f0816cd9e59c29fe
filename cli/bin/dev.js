#!/usr/bin/env node
// `hermes` while developing the CLI itself: ignores oclif.manifest.json, so
// new or renamed commands show up without `npm run manifest -w cli`.
import { register } from "tsx/esm/api";
import { execute } from "@oclif/core";

register();
await execute({ development: true, dir: import.meta.url });
