// The setup every template test shares, so a test file states only what is
// its provider's own: the template built once per suite and held to its
// recorded fixtures, and a gateway routing to it in front of a provider mock.
import { after, before } from "node:test";
import { conformanceTest } from "@hermes/runtime/conformance";
import { buildTemplate, templateFixtures, type BuiltTemplate } from "./templates.js";
import { startTemplateGateway, type TemplateGateway } from "./template-gateway.js";

/** A local stand-in for a provider's cloud: `start` resolves with its base URL. */
export interface ProviderMock {
  start(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds the template `name` before the enclosing suite's tests (cleaned up
 * after them) and runs its fixtures through the conformance kit.
 * Resolves, once built, to the build.
 */
export function templateSuite(name: string, conformanceTitle: string): () => BuiltTemplate {
  let built: BuiltTemplate | undefined;
  before(async () => {
    built = await buildTemplate(name);
  });
  after(() => built?.cleanup());
  const current = (): BuiltTemplate => {
    if (!built) throw new Error(`template ${name} is not built yet: use it inside a test or hook`);
    return built;
  };
  conformanceTest(conformanceTitle, async () => {
    const { config, ...cases } = templateFixtures(name);
    return { wasm: current().wasm, options: { config, cases } };
  });
  return current;
}

/**
 * Before the enclosing suite's tests starts `mock`, then a gateway with one
 * route running `template` with `config(mockBaseUrl)`; stops both after them.
 * Resolves, once started, to that gateway.
 */
export function gatewayToMock(
  template: () => BuiltTemplate,
  mock: ProviderMock,
  route: {
    readonly name: string;
    readonly channel: "sms" | "email" | "push" | "chat";
    readonly config: (mockBaseUrl: string) => Record<string, string>;
  },
): () => TemplateGateway {
  let gateway: TemplateGateway | undefined;
  before(async () => {
    const base = await mock.start();
    gateway = await startTemplateGateway({
      template: template(),
      route: route.name,
      channel: route.channel,
      config: route.config(base),
    });
  });
  after(async () => {
    await gateway?.close();
    await mock.close();
  });
  return () => {
    if (!gateway)
      throw new Error(`the ${route.name} gateway is not started yet: use it inside a test`);
    return gateway;
  };
}
