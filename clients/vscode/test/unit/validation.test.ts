import assert from "node:assert/strict";
import test from "node:test";
import type { ExperimentLine } from "../../src/protocol";
import { classOrder, fileItems } from "../../src/validationlogic";
import { filterExperiments } from "../../src/webview/experiments";

const signals = [{ path: "/p/signals/low.csv", role: "low" }, { path: "/p/signals/high.csv", role: "high" }];

test("the quick pick offers new files first, the project's training files last and labelled", () => {
  const items = fileItems("/p", ["/p/signals/high.csv", "/p/test/run2.csv", "/p/test/high_b.csv"], signals);
  assert.deepEqual(items.map((i) => [i.label, i.description]), [
    ["test/high_b.csv", ""], ["test/run2.csv", ""], ["signals/high.csv", "training file (high)"]]);
  assert.equal(items[0].file, "/p/test/high_b.csv");
});

test("a file's class is offered first: the class it trains, else the class its name holds", () => {
  assert.deepEqual(classOrder("/p/signals/high.csv", signals), ["high", "low"]);
  assert.deepEqual(classOrder("/p/test/LOW-2.csv", signals), ["low", "high"]);
  assert.deepEqual(classOrder("/p/test/x.csv", signals), ["low", "high"]);
});

test("the experiments filter keeps those matching every word", () => {
  const e = (id: string, libs: string[], verdict: string): ExperimentLine =>
    ({ id, created: 0, libraries: libs, inputs: 1, best: libs[0], main_metric: "balanced_accuracy", best_value: 1, verdict });
  const list = [e("e0001", ["aa11", "bb22"], "confirmed"), e("e0002", ["cc33"], "none"), e("e0003", ["bb22"], "other")];
  assert.deepEqual(filterExperiments(list, "").map((x) => x.id), ["e0001", "e0002", "e0003"]);
  assert.deepEqual(filterExperiments(list, "bb22").map((x) => x.id), ["e0001", "e0003"]);
  assert.deepEqual(filterExperiments(list, "BB22 other").map((x) => x.id), ["e0003"]);
  assert.deepEqual(filterExperiments(list, "e0002").map((x) => x.id), ["e0002"]);
});
