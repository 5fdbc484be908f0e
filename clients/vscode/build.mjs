// Bundles the extension (vscode-languageclient inside, `vscode` provided by the editor), the
// webviews' scripts (Chart.js inside: the pages load nothing remote) and, with
// --tests, the unit tests of the editor-free modules.
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const common = { bundle: true, platform: "node", target: "node18", sourcemap: true, logLevel: "warning" };
if (process.argv.includes("--tests")) {
  const tests = readdirSync("test/unit").filter((f) => f.endsWith(".test.ts")).map((f) => `test/unit/${f}`);
  await build({ ...common, entryPoints: tests, outdir: "out/test", format: "cjs" });
} else {
  await build({ ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", format: "cjs",
                external: ["vscode"], minify: true });
  await build({ bundle: true, platform: "browser", target: "es2020", format: "iife", logLevel: "warning",
                entryPoints: ["src/webview/charts.ts", "src/webview/validation.ts"], outdir: "dist/webview", minify: true });
}
