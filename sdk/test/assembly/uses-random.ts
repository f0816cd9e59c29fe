// A plugin that calls Math.random, which imports env.seed: buildPlugin must refuse it by name.
import { Manifest, Plugin, PrepareSendRequest, PrepareSendResponse, register } from "@hermes/sdk";
export * from "@hermes/sdk/exports";

class Random extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "random-" + (<i32>(Math.random() * 10)).toString();
    return m;
  }
  prepareSend(request: PrepareSendRequest): PrepareSendResponse {
    return new PrepareSendResponse();
  }
}
register(new Random());
