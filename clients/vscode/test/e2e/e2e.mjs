// End to end in a real VS Code (code-server 4.100 = VS Code 1.100, driven by Chromium):
// install the .vsix, open a copy of the example project, break a signal file, find the
// diagnostic in the Problems panel and fix it with its quick fix, start a benchmark from the command palette and see its
// progress, open the signal preview and find its chart drawn. A screenshot per step goes to
// test-output/e2e/. Needs ../../shared/tools/vscode-e2e/setup.sh to have run, and a Python
// with nanoforge installed (NANOFORGE_PYTHON, else the repository's .venv, else python3).
// Further scenarios live in test/e2e/steps/*.mjs: each exports `name` and `run(ctx)` and is
// listed in STEPS below; they run in the same VS Code after the core steps, in order.
// E2E_STEPS=a,b runs only the named steps (the core steps are named "core").
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as validation from "./steps/validation.mjs";
import * as sensor from "./steps/sensor.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const EXT = resolve(HERE, "../..");
const REPO = resolve(EXT, "../..");
const E2E = process.env.VSCODE_E2E_DIR || join(homedir(), ".cache/vscode-e2e");
const OUT = join(EXT, "test-output/e2e");
const VSIX = join(EXT, "nanoforge.vsix");
const PYTHON = process.env.NANOFORGE_PYTHON
  || (existsSync(join(REPO, ".venv/bin/python")) ? join(REPO, ".venv/bin/python") : "python3");
const STEPS = [validation, sensor];
const ONLY = (process.env.E2E_STEPS || "").split(",").filter(Boolean);
const wanted = (name) => !ONLY.length || ONLY.includes(name);
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"];

function log(msg) {
  process.stdout.write(`e2e: ${msg}\n`);
}

async function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer in ${ms} ms`);
}

async function findFrame(page, selector, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch { /* frame went away */ }
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`no webview frame with ${selector} in ${ms} ms`);
}

async function palette(page, command) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 10000 });
  await page.keyboard.type(command, { delay: 10 });
  await page.waitForTimeout(400);
  await page.keyboard.press("Enter");
}

async function openFile(page, name) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 10000 });
  await page.keyboard.press("Backspace"); // from commands to files
  await page.keyboard.type(name, { delay: 10 });
  await page.waitForTimeout(800);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`.tab[aria-label*="${name}"]`, { timeout: 15000 });
}

async function main() {
  if (!existsSync(join(E2E, "node_modules/.bin/code-server"))) {
    throw new Error(`no code-server in ${E2E}: run ../../shared/tools/vscode-e2e/setup.sh first`);
  }
  if (!existsSync(VSIX)) throw new Error(`${VSIX} missing: npm run build first`);
  const require = createRequire(join(E2E, "package.json"));
  const { chromium } = require("playwright-core");
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  const tmp = mkdtempSync(join(tmpdir(), "nf-e2e-"));
  const ws = join(tmp, "fan");
  cpSync(join(REPO, "examples/fan"), ws, { recursive: true, filter: (p) => !p.includes(".nanoforge") });
  const ud = join(tmp, "ud");
  const exts = join(tmp, "ext");
  mkdirSync(join(ud, "User"), { recursive: true });
  writeFileSync(join(ud, "User/settings.json"), JSON.stringify({
    "nanoforge.python": PYTHON, "nanoforge.benchmark.timeBudget": 30, "nanoforge.benchmark.cores": 2,
    "workbench.startupEditor": "none", "security.workspace.trust.enabled": false, "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false, "workbench.tips.enabled": false,
  }));
  const env = { ...process.env, NANOFORGE_HOME: join(tmp, "home"), NANOFORGE_IDLE_TIMEOUT: "60" };
  const cs = join(E2E, "node_modules/.bin/code-server");
  const common = ["--user-data-dir", ud, "--extensions-dir", exts];
  execFileSync(cs, [...common, "--install-extension", VSIX], { env, stdio: "inherit" });
  const port = await freePort();
  const server = spawn(cs, ["--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry",
                            "--disable-update-check", "--disable-workspace-trust", ...common, ws],
                       { env, stdio: ["ignore", "pipe", "pipe"] });
  let serverLog = "";
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
  const shot = async (page, name) => {
    await page.screenshot({ path: join(OUT, name) });
    log(`screenshot ${join(OUT, name)}`);
  };
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 60000);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector("div.monaco-workbench", { timeout: 90000 });
    // the extension is up when its tree view container shows in the activity bar
    await page.waitForSelector('.activitybar [aria-label*="nanoforge"]', { timeout: 60000 });
    await page.waitForTimeout(3000);
    await shot(page, "1-workbench.png");
    const ctx = { page, ws, tmp, env, REPO, PYTHON, OUT, log, shot, palette, openFile, findFrame };
    if (wanted("core")) await core(ctx);
    for (const step of STEPS) {
      if (!wanted(step.name)) continue;
      log(`step ${step.name}`);
      await step.run(ctx);
    }
    await palette(page, "nanoforge: Stop Benchmark");
    await page.waitForTimeout(1500);
    log("passed");
  } catch (e) {
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages[0]) await pages[0].screenshot({ path: join(OUT, "failure.png") });
    } catch { /* browser gone */ }
    writeFileSync(join(OUT, "code-server.log"), serverLog);
    throw e;
  } finally {
    await browser.close();
    server.kill();
    try {
      execFileSync(PYTHON, ["-m", "nanoforge.cli", "daemon", "stop"], { env, stdio: "ignore" });
    } catch { /* already gone */ }
    // the stopped daemon and code-server may still be writing their last files in there
    try {
      rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
    } catch (e) {
      log(`left ${tmp}: ${e?.message ?? e}`);
    }
  }
}

/** The first scenario: diagnostics and their quick fix, a benchmark, the signal preview. */
async function core({ page, ws, log, shot, palette, openFile, findFrame }) {
    // 1. a broken signal file: a header line on top, saved
    const original = readFileSync(join(ws, "signals/high.csv"));
    await openFile(page, "high.csv");
    await page.click(".monaco-editor .view-lines");
    await page.keyboard.press("Control+Home");
    await page.keyboard.type("time,x,y,z\n");
    await page.keyboard.press("Control+S");
    await palette(page, "View: Focus Problems");
    const marker = page.locator(".markers-panel .monaco-list-row", { hasText: "NF101" });
    await marker.first().waitFor({ timeout: 60000 });
    log(`problems panel: ${(await marker.first().innerText()).replace(/\s+/g, " ")}`);
    await shot(page, "2-problems-panel.png");
    // its quick fix, a code action the daemon serves: the header goes, and with it the problem
    await page.click(".monaco-editor .view-lines");
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Control+.");
    const fix = page.locator(".action-widget .monaco-list-row", { hasText: "Delete the header line" });
    await fix.first().waitFor({ timeout: 30000 });
    await shot(page, "2b-quick-fix.png");
    // keyboard, not a click: the open menu lays a pointer block over the page
    const focused = page.locator(".action-widget .monaco-list-row.focused", { hasText: "Delete the header line" });
    for (let i = 0; i < 10 && !(await focused.count()); i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+S");
    await marker.first().waitFor({ state: "detached", timeout: 60000 });
    if (!readFileSync(join(ws, "signals/high.csv")).equals(original)) throw new Error("the quick fix left the file changed");
    log("quick fix: the header line deleted by the daemon's code action");

    // 2. a benchmark from the command palette, with its progress in the status bar
    await palette(page, "nanoforge: Start Benchmark");
    const status = page.locator(".statusbar-item", { hasText: /nanoforge \d+\/30 s · \d+ candidates/ });
    await status.first().waitFor({ timeout: 60000 });
    const progressed = page.locator(".statusbar-item", { hasText: /nanoforge \d+\/30 s · [1-9]\d* candidates · best/ });
    await progressed.first().waitFor({ timeout: 60000 });
    log(`status bar: ${await progressed.first().innerText()}`);
    await findFrame(page, 'body[data-view="bench"] canvas[data-drawn="true"]', 60000);
    await shot(page, "3-benchmark-progress.png");
    await page.click('.activitybar [aria-label*="nanoforge"]');
    await page.locator(".monaco-list-row", { hasText: "lines × 768 values" }).first().waitFor({ timeout: 30000 });
    await page.locator(".monaco-list-row", { hasText: /score \d/ }).first().waitFor({ timeout: 60000 });
    await shot(page, "3b-tree-view.png");

    // 3. the signal preview of the open file, its charts drawn
    await openFile(page, "high.csv");
    await palette(page, "nanoforge: Signal Preview");
    const frame = await findFrame(page, 'body[data-view="preview"] canvas[data-drawn="true"]', 60000);
    const charts = await frame.$$('canvas[data-drawn="true"]');
    log(`signal preview: ${charts.length} charts drawn`);
    if (charts.length < 4) throw new Error(`expected a chart per axis and an FFT, found ${charts.length}`);
    await shot(page, "4-signal-preview.png");
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`e2e FAILED: ${e?.stack ?? e}\n`);
  process.exit(1);
});
