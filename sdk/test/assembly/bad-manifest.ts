// A plugin whose manifest the host would refuse: buildPlugin must say so at build time.
import {
  AbiVersion,
  Manifest,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  register,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

class BadManifest extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "Not A Name";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    return m;
  }
  prepareSend(request: PrepareSendRequest): PrepareSendResponse {
    return new PrepareSendResponse();
  }
}
register(new BadManifest());
