// The protoc/buf entry point of the AssemblyScript generator (see ../src/plugin.ts).
import { runNodeJs } from "@bufbuild/protoplugin";
import { plugin } from "../src/plugin.js";

runNodeJs(plugin);
