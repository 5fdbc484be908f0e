import assert from "node:assert/strict";
import test from "node:test";
import { chartsDue, chartsSig, RUNNING_REFRESH_MS } from "../../src/benchlogic";
import { page } from "../../src/logic";
import { datasets } from "../../src/webview/chartdata";

test("a type's results chart becomes its series, its 90 % line and y = x", () => {
  const sets = datasets({
    title: "similarity", x_label: "signal", y_label: "%",
    series: [{ name: "nominal", x: [0, 1, 2], y: [95, 97, NaN], style: "points" },
             { name: "wrong", x: [3], y: [40], style: "cross" }],
    hlines: [{ y: 90, label: "90 %" }], diagonal: true,
  });
  assert.deepEqual(sets.map((s) => s.label), ["nominal", "wrong", "90 %", "estimated = real"]);
  assert.deepEqual(sets[0].data, [{ x: 0, y: 95 }, { x: 1, y: 97 }], "a value that is not finite is not drawn");
  assert.deepEqual(sets[2].data, [{ x: 0, y: 90 }, { x: 3, y: 90 }], "the line spans the signals");
  assert.deepEqual(sets[3].data, [{ x: 0, y: 0 }, { x: 97, y: 97 }]);
  assert.equal(sets[1].pointStyle, "crossRot");
});

test("a band is two datasets, only its line in the legend; the 1-class grid gives its edge", () => {
  const sets = datasets({ series: [{ name: "mean", x: [0, 1], y: [1, 2], lo: [0, 1], hi: [2, 3] }],
                          grid: { x: [0, 1, 2], y: [0, 1], inside: [[1, 1, 0], [1, 0, 0]] } });
  assert.deepEqual(sets.map((s) => [s.label, s.nfLegend]), [["mean low", false], ["mean high", false], ["mean", true],
    ["inside the boundary", true], ["boundary", true]]);
  assert.equal(sets[1].fill, "-1");
  assert.deepEqual(sets[4].data, [{ x: 1, y: 0 }, { x: 0, y: 1 }], "cells with a neighbour across the edge");
});

test("the benchmark view asks for its charts again when the best changes, or a while later while it runs", () => {
  const s = { id: "b0001", state: "running", history: [[1, 50, "a"]] as [number, number, string][] };
  assert.equal(chartsDue(s, undefined, 0), true);
  const last = { sig: chartsSig(s), at: 1000 };
  assert.equal(chartsDue(s, last, 1000 + RUNNING_REFRESH_MS - 1), false);
  assert.equal(chartsDue(s, last, 1000 + RUNNING_REFRESH_MS), true);
  assert.equal(chartsDue({ ...s, history: [...s.history, [2, 60, "b"]] }, last, 1001), true);
  assert.equal(chartsDue({ ...s, state: "finished" }, last, 1001), true);
  assert.equal(chartsDue({ ...s, state: "finished" }, { sig: chartsSig({ ...s, state: "finished" }), at: 0 }, 1e9), false);
});

test("the charting script loads with the page's nonce, before the page's own", () => {
  const html = page({ title: "t", cspSource: "vscode-resource:", nonce: "N", scriptUri: "vscode-resource:/view.js",
                      styleUri: "vscode-resource:/v.css", view: "bench", libUris: ["vscode-resource:/charts.js"] });
  const scripts = [...html.matchAll(/<script nonce="N" src="([^"]+)"><\/script>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, ["vscode-resource:/charts.js", "vscode-resource:/view.js"]);
});
