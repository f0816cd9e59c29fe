import {
  Manifest,
  Plugin,
  PrepareSendRequest,
  PrepareSendResponse,
  SendResult,
  register,
  AbiVersion,
} from "@hermes/sdk";
export * from "@hermes/sdk/exports";

class Hello extends Plugin {
  manifest(): Manifest {
    const m = new Manifest();
    m.name = "hello";
    m.version = "1.0.0";
    m.abiVersion = AbiVersion.V1;
    return m;
  }
  prepareSend(request: PrepareSendRequest): PrepareSendResponse {
    const r = new PrepareSendResponse();
    r.setResult(new SendResult().setProviderMessageId("id-" + request.attempt.toString()));
    return r;
  }
}
register(new Hello());
