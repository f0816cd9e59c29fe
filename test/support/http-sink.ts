// The loopback HTTP stand-in lives with the provider simulators (hermes dev runs them); tests
// import it from here too.
export {
  HttpSink,
  type SinkAnswer,
  type SinkRequest,
} from "@hermes/runtime/simulators";
