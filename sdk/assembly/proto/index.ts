export { Writer } from "./writer";
export { Reader, WireType } from "./reader";
