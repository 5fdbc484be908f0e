// From the sensor to the project, in the real VS Code: a datalogger on a pseudo-terminal
// (a Python process holding the pty's controller side, speaking like a board: a cut first
// line, a banner, good signals at the project's width, garbage) recorded through the port
// picker with its live count, then run through live emulation; a datalogger firmware
// generated into a chosen folder; the sampling finder's heatmap on synthetic continuous
// recordings; and the candidate tree's cycles and milliseconds per inference once the
// library has been timed.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const name = "sensor";

// The board: prints the pty's device path, waits until the port is opened (pyserial puts
// it in raw mode; bytes sent before would be line-edited by the tty), then sends its script
// one line every `gap` seconds and stays plugged in until killed.
const BOARD = String.raw`
import json, os, pty, sys, termios, time
script, gap = json.load(open(sys.argv[1])), float(sys.argv[2])
controller, port_side = pty.openpty()
print(os.ttyname(port_side), flush=True)
while termios.tcgetattr(port_side)[3] & termios.ICANON:
    time.sleep(0.02)
time.sleep(0.3)
for chunk in script:
    os.write(controller, chunk.encode("latin-1"))
    time.sleep(gap)
print("sent", flush=True)
time.sleep(600)
`;

function board(ctx, file, chunks, gap = 0.25) {
  const script = join(ctx.tmp, `${file}.json`);
  writeFileSync(script, JSON.stringify(chunks));
  const p = spawn(ctx.PYTHON, ["-c", BOARD, script, String(gap)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  const device = new Promise((ok, fail) => {
    const t = setInterval(() => {
      const line = out.split("\n")[0];
      if (out.includes("\n")) {
        clearInterval(t);
        ok(line.trim());
      }
    }, 50);
    p.on("exit", (code) => fail(new Error(`the pty board exited (${code})`)));
  });
  return { process: p, device, sent: () => out.includes("sent") };
}

function nanoforge(ctx, ...args) {
  return execFileSync(ctx.PYTHON, ["-m", "nanoforge.cli", ...args], { env: ctx.env, encoding: "utf8" });
}

/** Waits for the quick input to ask `what` (its prompt, placeholder or title), then types `value`
 *  (replacing what is there; undefined keeps the default) and presses Enter. */
async function answer(page, what, value) {
  await page.waitForFunction((w) => {
    const box = [...document.querySelectorAll(".quick-input-widget")].find((e) => e.style.display !== "none");
    const input = box?.querySelector("input");
    return !!input && [box.innerText, input.placeholder, input.getAttribute("aria-label") ?? ""].some((t) => t.includes(w));
  }, what, { timeout: 30000 });
  if (value !== undefined) {
    await page.keyboard.press("Control+A");
    await page.keyboard.type(value, { delay: 5 });
    await page.waitForTimeout(500);
  }
  await page.keyboard.press("Enter");
}

/** A palette command, with the keyboard taken back from any webview first (F1 typed into a
 *  focused webview does not reach the workbench). */
async function command(ctx, title) {
  await ctx.page.locator(".statusbar").first().click({ position: { x: 800, y: 5 } });
  await ctx.palette(ctx.page, title);
}

async function outputText(page) {
  return (await page.locator(".panel .monaco-editor .view-lines").first().innerText()).replace(/\u00a0/g, " ");
}

/** The notification of a serial run: wait for `re` in it, then its Cancel button stops the run. */
async function stopRun(page, re, ctx, shotName) {
  const toast = page.locator(".notification-toast", { hasText: re });
  await toast.first().waitFor({ timeout: 90000 });
  ctx.log(`notification: ${(await toast.first().innerText()).replace(/\s+/g, " ")}`);
  if (shotName) await ctx.shot(page, shotName);
  await toast.first().hover();
  await toast.first().locator(".monaco-button", { hasText: "Cancel" }).click();
}

async function benchmarked(ctx) {
  // the core step's benchmark (or, run alone, a short one of our own), finished
  const list = JSON.parse(nanoforge(ctx, "bench", "list", ctx.ws, "--json"));
  if (!(list.benchmarks ?? list).length) {
    nanoforge(ctx, "bench", "start", ctx.ws, "--time-budget", "20", "--cores", "1", "--wait");
  }
  for (let i = 0; i < 120; i++) {
    const s = JSON.parse(nanoforge(ctx, "bench", "status", ctx.ws, "--json"));
    if (!["running", "starting"].includes(s.state)) return s;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("the benchmark did not finish");
}

async function timing(ctx) {
  const { page, log, shot } = ctx;
  const s = await benchmarked(ctx);
  log(`benchmark ${s.id} ${s.state}: best ${s.best?.library}`);
  await command(ctx, "nanoforge: Time the Library on Every Core");
  await page.locator(".panel .monaco-editor .view-lines", { hasText: /cortex-m4\S*\s+neai_classification\s/ })
    .first().waitFor({ timeout: 240000 });
  const table = (await outputText(page)).split("\n").filter((l) => /cycles/.test(l));
  for (const l of table.slice(0, 4)) log(`timing: ${l.trim()}`);
  // the nanoforge view (clicking its icon when it already shows would close the side bar)
  if (!(await page.locator(".sidebar .monaco-list-row", { hasText: "Signal files" }).first().isVisible())) {
    await page.click('.activitybar [aria-label*="nanoforge"]');
  }
  const row = page.locator(".monaco-list-row", { hasText: /cycles = [\d.]+ ms/ });
  await row.first().waitFor({ timeout: 60000 });
  log(`tree after timing: ${(await row.first().innerText()).replace(/\s+/g, " ")}`);
  await shot(page, "5-tree-cycles.png");
  // deploy measures the build: then the tree gives measured flash/RAM instead of the estimate
  await command(ctx, "nanoforge: Deploy Library");
  const measured = page.locator(".monaco-list-row", { hasText: /flash measured · [\d,]+ cycles = [\d.]+ ms/ });
  await measured.first().waitFor({ timeout: 300000 });
  log(`tree after deploy: ${(await measured.first().innerText()).replace(/\s+/g, " ")}`);
  await measured.first().hover(); // its tooltip: estimated and measured sizes, cycles per call
  await page.waitForTimeout(2500);
  await shot(page, "5b-tree-measured.png");
}

function fanLines(ctx, cls, n) {
  return readFileSync(join(ctx.ws, "signals", `${cls}.csv`), "utf8").split("\n").filter(Boolean).slice(0, n);
}

async function liveEmulation(ctx) {
  const { page, log } = ctx;
  await benchmarked(ctx); // its best library runs
  const sent = [...fanLines(ctx, "high", 3), ...fanLines(ctx, "low", 3)];
  const b = board(ctx, "emulate", ["\x00garbage\r\n", "ready\r\n", ...sent.map((l) => `${l}\r\n`)]);
  const device = await b.device;
  try {
    await command(ctx, "nanoforge: Live Emulation from a Serial Port");
    await answer(page, "type a device path", device);
    await answer(page, "Baud rate");
    await page.locator(".notification-toast", { hasText: /6 signals/ }).first().waitFor({ timeout: 120000 });
    await page.waitForTimeout(1000);
    const lines = (await outputText(page)).split("\n").filter((l) => /^\d+\s+\S+\s+\[/.test(l));
    for (const l of lines) log(`live emulation: ${l.replace(/\s+/g, " ")}`);
    if (lines.length !== 6) throw new Error(`expected 6 live results, found ${lines.length}`);
    await stopRun(page, /6 signals/, ctx, "6-live-emulation.png");
    // stopped, not unplugged: the board stays until the run has ended
    await page.locator(".notification-toast", { hasText: /nanoforge: live emulation: 6 signals/ }).first()
      .waitFor({ timeout: 30000 });
  } finally {
    b.process.kill();
  }
}

async function record(ctx) {
  const { page, log, ws } = ctx;
  const good = [...fanLines(ctx, "mid", 5), ...fanLines(ctx, "bearing", 5)]; // 10: a class needs that many
  const chunks = ["0.25,0.5\r\n", "nanoforge datalogger v1: 256 samples, 3 axes\r\n",
                  ...good.slice(0, 3).map((l) => `${l}\r\n`), "\x00\xff\xfe#garbage\r\n",
                  "1,2,3\r\n", ...good.slice(3).map((l) => `${l}\r\n`)];
  const b = board(ctx, "record", chunks, 0.4);
  const device = await b.device;
  try {
    await command(ctx, "nanoforge: Record Signals from a Serial Port");
    await answer(page, "Class recorded", "idle");
    await answer(page, "type a device path", device);
    await answer(page, "Baud rate");
    const count = page.locator(".notification-toast", { hasText: /recording from .* [1-9] signals/ });
    await count.first().waitFor({ timeout: 60000 });
    log(`live count: ${(await count.first().innerText()).replace(/\s+/g, " ")}`);
    await stopRun(page, /10 signals/, ctx, "7-record-live-count.png");
    const done = page.locator(".notification-toast", { hasText: /recording into .*: 10 signals/ });
    await done.first().waitFor({ timeout: 30000 });
    log(`record: ${(await done.first().innerText()).replace(/\s+/g, " ")}`);
  } finally {
    b.process.kill();
  }
  const file = join(ws, "signals/idle.csv");
  const got = readFileSync(file, "utf8").split("\n").filter(Boolean);
  if (got.length !== good.length || got.some((l, i) => l !== good[i])) {
    throw new Error(`${file}: ${got.length} lines, expected exactly the ${good.length} good ones`);
  }
  if (!readFileSync(join(ws, "nanoforge.toml"), "utf8").includes("signals/idle.csv")) {
    throw new Error("the recording was not added to the project");
  }
  nanoforge(ctx, "check", ws); // exits 1 on an error: the project with its new class is valid
  log(`recorded file: ${got.length} lines, exactly the good ones; added to nanoforge.toml; the project checks clean`);
}

async function datalogger(ctx) {
  const { page, log, shot, tmp } = ctx;
  const dir = join(tmp, "firmware-dl");
  mkdirSync(dir, { recursive: true });
  await command(ctx, "nanoforge: Generate a Datalogger Firmware");
  await answer(page, "Board or framework", "nucleo-f401re");
  await answer(page, "Sampling rate (Hz)", "1600");
  await answer(page, "Samples per axis", "256");
  await answer(page, "Axes", "3");
  // the editor's own folder dialog (not native here; it completes what is typed): the
  // folder set in its box, then its accept button
  const box = page.locator(".quick-input-widget:not([style*='display: none']) input").first();
  await page.locator(".quick-input-widget .monaco-button", { hasText: "Write the datalogger" }).first()
    .waitFor({ timeout: 30000 });
  // the dialog sets its own start folder once it has listed it: type ours until it stays
  for (let i = 0; i < 10; i++) {
    await box.fill(`${dir}/`);
    await page.waitForTimeout(1500);
    if ((await box.inputValue()) === `${dir}/`) break;
  }
  await page.locator(".quick-input-widget .monaco-button", { hasText: "Write the datalogger" }).first().click();
  await page.waitForSelector('.tab[aria-label*="README.md"]', { timeout: 60000 });
  const out = join(dir, "datalogger-nucleo-f401re");
  const files = existsSync(out) ? readdirSync(out, { recursive: true }) : [];
  log(`datalogger: ${files.length} files in ${out}: ${files.slice(0, 8).join(", ")}`);
  if (!files.some((f) => String(f).endsWith(".c")) || !files.includes("README.md")) {
    throw new Error(`no datalogger project in ${out}`);
  }
  await shot(page, "8-datalogger.png");
}

async function samplingFinder(ctx) {
  const { page, log, shot, ws, findFrame } = ctx;
  // two classes that differ only by a 90 Hz component, recorded at 400 Hz, 3 variables
  const dir = join(ws, "recordings");
  mkdirSync(dir, { recursive: true });
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.4;
  for (const [cls, amp] of [["calm", 0], ["buzz", 0.5]]) {
    const lines = [];
    for (let i = 0; i < 3000; i++) {
      const t = i / 400;
      const v = [0, 1, 2].map((k) => Math.sin(2 * Math.PI * 3 * t + k) + amp * Math.sin(2 * Math.PI * 90 * t + k) + noise());
      lines.push(v.map((x) => x.toFixed(4)).join(","));
    }
    writeFileSync(join(dir, `${cls}.csv`), lines.join("\n") + "\n");
  }
  await command(ctx, "nanoforge: Sampling Finder");
  await answer(page, "Folder of continuous recordings", "recordings");
  await answer(page, "Recordings to compare");
  await answer(page, "Values per line", "3");
  await answer(page, "Rate the files were recorded at", "400");
  const frame = await findFrame(page, 'body[data-view="sampling"] table.heat td.rec', 180000);
  const rec = await frame.$eval("h3", (e) => e.textContent);
  const cells = await frame.$$eval("table.heat td", (tds) => tds.length);
  log(`sampling finder: ${cells} cells; ${rec}`);
  const hz = Number(/Recommended: ([\d.]+) Hz/.exec(rec)?.[1]);
  if (!(hz >= 180)) throw new Error(`a 90 Hz difference needs ≥ 180 Hz, recommended ${hz}`);
  await shot(page, "9-sampling-finder.png");
}

const PARTS = { timing, liveEmulation, record, datalogger, samplingFinder };

/** In this order: live emulation runs the benchmark's library before the recording adds a class.
 *  E2E_SENSOR_PARTS=datalogger,samplingFinder runs only those (while working on them). */
export async function run(ctx) {
  const only = (process.env.E2E_SENSOR_PARTS || "").split(",").filter(Boolean);
  for (const [part, fn] of Object.entries(PARTS)) {
    if (!only.length || only.includes(part)) await fn(ctx);
  }
}
