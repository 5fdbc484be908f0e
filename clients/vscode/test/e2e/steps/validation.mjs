// Validation, reports and the benchmark plots, in the real VS Code, after the core step
// (which benchmarked the fan example for 30 s): wait for that benchmark to finish, run a
// validation experiment on three candidates and two of the project's files through the
// command palette and quick picks, find the ranked results table in the validation view,
// open the report of the best library and read its metrics in the webview, save it as PDF
// through the save dialog, then show the benchmark view's plots for the fan (n-class) and
// for a tiny project of each other type (anomaly detection, 1-class, extrapolation),
// benchmarked for a few seconds by the same daemon. Screenshots: 5-* to 8-*.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const name = "validation";

const QUICK = ".quick-input-widget:not([style*='display: none'])";

/** Waits for the quick pick whose placeholder holds `text`, types `filter`, accepts. */
async function quickPick(page, text, filter) {
  await page.waitForSelector(`${QUICK} input[placeholder*="${text}"]`, { timeout: 60000 });
  if (filter) await page.keyboard.type(filter, { delay: 10 });
  await page.waitForTimeout(600);
  await page.keyboard.press("Enter");
  await page.waitForTimeout(300);
}

/** The webview frame whose document satisfies `test` (given the frame), polled. */
async function frameWhere(page, test, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await test(f)) return f;
      } catch { /* frame went away */ }
    }
    await page.waitForTimeout(400);
  }
  throw new Error(`no webview frame with ${what} in ${ms} ms`);
}

function cli(ctx, ...args) {
  return execFileSync(ctx.PYTHON, ["-m", "nanoforge.cli", ...args], { env: ctx.env, encoding: "utf8", timeout: 240000 });
}

/** Deterministic sines: `n` signals of 64 samples, frequency and amplitude per signal. */
function sines(n, seed, { freq = [2, 6], amp = [1, 1], noise = 0.05 } = {}) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = [];
  for (let k = 0; k < n; k++) {
    const f = freq[0] + rnd() * (freq[1] - freq[0]);
    const a = amp[0] + rnd() * (amp[1] - amp[0]);
    const ph = rnd() * 6.28;
    const v = Array.from({ length: 64 }, (_, t) => a * Math.sin(2 * Math.PI * f * t / 64 + ph) + noise * (rnd() - 0.5));
    rows.push({ a, v });
  }
  return rows;
}

const csv = (rows) => rows.map((r) => r.map((v) => v.toFixed(5)).join(",")).join("\n") + "\n";

/** A tiny project of each other type, inside the workspace so the editor finds it. */
function typeProjects(ws) {
  const head = (type) => `type = "${type}"\naxes = 1\nbuffer = 64\nsampling_hz = 100.0\nseed = 3\n\n`;
  const out = [];
  const make = (dir, type, files, tables, budget) => {
    const root = join(ws, "types", dir);
    mkdirSync(root, { recursive: true });
    for (const [f, rows] of Object.entries(files)) writeFileSync(join(root, f), csv(rows));
    writeFileSync(join(root, "nanoforge.toml"), head(type) + tables);
    out.push({ dir, root, budget });
  };
  const nominal = sines(60, 11).map((r) => r.v);
  const abnormal = sines(30, 12, { freq: [9, 12], amp: [1.6, 2.2], noise: 0.4 }).map((r) => r.v);
  make("anomaly", "ad", { "nominal.csv": nominal, "abnormal.csv": abnormal },
       '[[signals]]\nnominal = "nominal.csv"\nabnormal = "abnormal.csv"\n', 12);
  make("oneclass", "1cc", { "nominal.csv": nominal }, '[[signals]]\nnominal = "nominal.csv"\n', 10);
  const targets = sines(80, 13, { amp: [0.5, 3] }).map((r) => [r.a * 10, ...r.v]);
  make("extrapolation", "ext", { "train.csv": targets }, '[[signals]]\nfile = "train.csv"\n', 10);
  return out;
}

/** The benchmark view of the project at `root` (picked by its folder when several are
 *  open), its type's results plots drawn, scrolled to them, screenshotted. */
async function benchPlots(ctx, root, label, file) {
  const { page, palette, log, shot } = ctx;
  await palette(page, "View: Close All Editor Groups"); // the view alone, wide, for its screenshot
  await page.waitForTimeout(800);
  await palette(page, "nanoforge: Show Benchmark");
  await page.waitForTimeout(800);
  if (await page.$(`${QUICK} input[placeholder*="nanoforge project"]`)) {
    await page.keyboard.type(root.split("/").slice(-2).join("/"), { delay: 10 });
    await page.waitForTimeout(600);
    await page.keyboard.press("Enter");
  }
  const title = `Benchmark · ${root.split("/").pop()}`;
  const frame = await frameWhere(page, async (f) => (await f.$('body[data-view="bench"] #bench-plots'))
    && (await f.textContent("#title")) === title, 120000, `${title} plots`);
  const drawn = await frame.$$('canvas[data-drawn="true"]');
  const heads = await frame.$$eval("#bench-plots ~ .chart", (els) => els.length);
  log(`benchmark plots (${label}): ${drawn.length} charts drawn, ${heads} results chart(s); ` +
      `${(await frame.textContent("#bench-state")).trim()}`);
  if (drawn.length < 2 || heads < 1) throw new Error(`${label}: expected the evolution and the type's results plot`);
  await frame.$eval("#bench-plots", (e) => e.scrollIntoView());
  await page.waitForTimeout(500);
  await shot(page, file);
}

export async function run(ctx) {
  const { page, ws, log, shot, palette } = ctx;
  // 1. the core step's benchmark: finished (30 s budget), so its candidates are final
  const end = Date.now() + 180000;
  let st;
  while (Date.now() < end) {
    st = JSON.parse(cli(ctx, "bench", "status", ws, "--json"));
    if (!["running", "starting", "paused"].includes(st.state)) break;
    await page.waitForTimeout(2000);
  }
  log(`fan benchmark ${st.id}: ${st.state}, ${st.candidates_evaluated} candidates, best ${st.best?.library}`);
  if (!st.best) throw new Error("the core step's benchmark found no library");

  // 2. a validation experiment: three candidates, two files of the project, from quick picks
  await palette(page, "View: Close All Editor Groups"); // room for the views, for the screenshots
  await page.waitForTimeout(800);
  await page.keyboard.press("Control+J"); // the Problems panel the core step left open
  await palette(page, "nanoforge: Validate Libraries on New Files");
  await quickPick(page, "libraries to validate", ""); // the top three are picked
  await quickPick(page, "Validation files, class", "high.csv");
  await quickPick(page, "class of every signal in high.csv", ""); // its own class first
  await quickPick(page, "Validation files, class", "low.csv");
  await quickPick(page, "class of every signal in low.csv", "");
  await quickPick(page, "Validation files, class", "Done with");
  const view = await frameWhere(page, (f) => f.$('body[data-view="validation"] #results'), 120000, "the results table");
  const rows = await view.$$eval("#results tr", (trs) => trs.slice(1).map((tr) => tr.innerText.replace(/\s+/g, " ").trim()));
  const advice = (await view.textContent(".advice")).trim();
  log(`validation view: ${rows.length} libraries ranked; ${advice}`);
  for (const r of rows) log(`  ${r}`);
  if (rows.length !== 3) throw new Error(`expected 3 libraries in the results table, found ${rows.length}`);
  if (!rows.some((r) => r.includes("★"))) throw new Error("the benchmark's best is not marked");
  const listed = await view.$$eval("#experiments tr[data-id]", (trs) => trs.map((t) => t.getAttribute("data-id")));
  await view.fill("#filter", "no-such-library");
  const filtered = await view.$$eval("#experiments tr[data-id]", (trs) => trs.length);
  await view.fill("#filter", "");
  log(`experiments listed: ${listed.join(", ")}; the filter "no-such-library" keeps ${filtered}`);
  if (!listed.length || filtered !== 0) throw new Error("the experiments list or its filter does not work");
  await shot(page, "5-validation-view.png");

  // 3. the report of the best library, from its row, read in its webview
  await view.click("#results tr.best button:has-text('Open Report')");
  const report = await frameWhere(page, async (f) => ((await f.evaluate(() => document.body?.innerText ?? ""))
    .includes("nanoforge report")), 120000, "the report");
  const text = await report.evaluate(() => document.body.innerText);
  const want = ["Performance", "Score", "balanced accuracy", "Recall per class", "Validation experiment", "high", "low"];
  const missing = want.filter((w) => !text.includes(w));
  log(`report: ${text.split("\n").find((l) => l.includes("Score"))?.trim()}`);
  if (missing.length) throw new Error(`the report lacks ${missing.join(", ")}`);
  await shot(page, "6-report.png");

  // 4. Save as PDF: the report's command, the save dialog accepted as proposed
  const best = st.best.library;
  const pdf = join(ws, `report-${best}.pdf`);
  await palette(page, "nanoforge: Save Report as PDF");
  await page.waitForSelector(`${QUICK} input`, { timeout: 30000 });
  await page.waitForTimeout(800);
  await page.keyboard.press("Enter");
  const pdfEnd = Date.now() + 120000;
  while (!existsSync(pdf) && Date.now() < pdfEnd) await page.waitForTimeout(1000);
  if (!existsSync(pdf)) throw new Error(`no PDF at ${pdf}`);
  log(`report saved as PDF: ${pdf}`);

  // 5. the benchmark view's plots: the fan (n-class), then a tiny project of each other type
  await benchPlots(ctx, ws, "n-class", "7-bench-plots-ncc.png");
  const projects = typeProjects(ws);
  for (const p of projects) {
    const res = JSON.parse(cli(ctx, "bench", "start", p.root, "--time-budget", String(p.budget), "--cores", "2",
                               "--wait", "--json"));
    log(`${p.dir}: benchmark ${res.id} ${res.state}, ${res.candidates_evaluated} candidates, best ${res.best?.library}`);
  }
  // the nanoforge view (clicking its icon when it already shows would close the side bar)
  if (!(await page.locator(".sidebar .monaco-list-row", { hasText: "Signal files" }).first().isVisible())) {
    await page.click('.activitybar [aria-label*="nanoforge"]');
  }
  await palette(page, "nanoforge: Refresh");
  for (const [k, p] of projects.entries()) await benchPlots(ctx, p.root, p.dir, `8${"abc"[k]}-bench-plots-${p.dir}.png`);
  rmSync(join(ws, "types"), { recursive: true, force: true }); // one project again for the closing steps
}
