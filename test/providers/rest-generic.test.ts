import { after, before, describe } from "node:test";
import { conformanceTest } from "../../runtime/src/conformance/index.js";
import { buildTemplate, templateFixtures, type BuiltTemplate } from "./support/templates.js";

describe("rest-generic template", () => {
  let built: BuiltTemplate;
  before(async () => {
    built = await buildTemplate("rest-generic");
  });
  after(() => built?.cleanup());

  conformanceTest("rest-generic against its recorded fixtures", async () => {
    const { config, ...cases } = templateFixtures("rest-generic");
    return { wasm: built.wasm, options: { config, cases } };
  });
});
