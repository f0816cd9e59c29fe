import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultKeywords, KeywordMatcher } from "./keywords.js";

test("the whole message is the keyword, whatever its case, accents and punctuation", () => {
  const keywords = new KeywordMatcher({
    ...defaultKeywords,
    fr: { stop: ["ARRÊT", "STOP"], stopAll: [], start: ["REPRISE"] },
  });
  assert.equal(keywords.match("STOP"), "stop");
  assert.equal(keywords.match(" stop. "), "stop");
  assert.equal(keywords.match("Unsubscribe!"), "stop");
  assert.equal(keywords.match("StopAll"), "stopAll");
  assert.equal(keywords.match("unstop"), "start");
  assert.equal(keywords.match("arret"), "stop", "accents do not matter");
  assert.equal(keywords.match("Arrêt"), "stop");
  assert.equal(keywords.match("reprise"), "start");
  assert.equal(keywords.match("please stop texting me"), undefined);
  assert.equal(keywords.match("don't stop"), undefined);
  assert.equal(keywords.match("STOPPED"), undefined);
  assert.equal(keywords.match(""), undefined);
  assert.equal(keywords.match(undefined), undefined);
});

test("a keyword with two meanings is refused", () => {
  assert.throws(
    () =>
      new KeywordMatcher({
        en: { stop: ["STOP"], stopAll: [], start: [] },
        xx: { stop: [], stopAll: [], start: ["stop"] },
      }),
    /keyword "stop" \(xx\) is both stop and start/,
  );
});
