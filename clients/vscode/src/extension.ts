// nanoforge inside VS Code: diagnostics from the daemon, a tree of projects, benchmarks
// and libraries, commands, webviews. The daemon does the work; this is a thin client.
import { statSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { BenchView } from "./benchview";
import { Daemon } from "./daemon";
import { finishWarning, statusText } from "./logic";
import * as panels from "./panels";
import type { BenchStatus, EmulateResult, Params } from "./protocol";
import { sensorCommands } from "./sensor";
import { timingCommands } from "./timing";
import { Node, ProjectsTree } from "./tree";
import { validationCommands } from "./validation";

let daemon: Daemon | undefined;
const OPEN_LIMIT = 20 * 1024 * 1024; // bytes: larger files are checked, not opened

async function projectOf(arg: unknown): Promise<string | undefined> {
  if (arg instanceof Node) return arg.project;
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme === "file") {
    try {
      const info = await daemon!.request("nanoforge/project/info", { dir: uri.fsPath });
      return info.root;
    } catch {
      /* not inside a project: ask */
    }
  }
  const files = await vscode.workspace.findFiles("**/nanoforge.toml", "**/{node_modules,.nanoforge}/**");
  if (files.length === 1) return path.dirname(files[0].fsPath);
  const pick = await vscode.window.showQuickPick(files.map((f) => path.dirname(f.fsPath)), { placeHolder: "nanoforge project" });
  return pick;
}

function fileOf(arg: unknown): string | undefined {
  if (arg instanceof Node && arg.file) return arg.file;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  const doc = vscode.window.activeTextEditor?.document;
  return doc && /\.(csv|txt)$/i.test(doc.fileName) ? doc.fileName : undefined;
}

async function pickFiles(label: string, many = false): Promise<string[] | undefined> {
  const uris = await vscode.window.showOpenDialog({ canSelectMany: many, openLabel: label,
                                                    filters: { "Signal files": ["csv", "txt"] } });
  return uris?.map((u) => u.fsPath);
}

/** Commands get whatever VS Code passes (a tree item, a URI, nothing). */
type Command = (...args: unknown[]) => Promise<void>;

function guard(fn: (...args: unknown[]) => Promise<unknown>): Command {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (e: unknown) {
      vscode.window.showErrorMessage(`nanoforge: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

export async function activate(ctx: vscode.ExtensionContext): Promise<void> {
  const out = vscode.window.createOutputChannel("nanoforge");
  const d = (daemon = new Daemon(out));
  const tree = new ProjectsTree(d);
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = "nanoforge.showBenchmark";
  status.name = "nanoforge benchmark";
  const latest = new Map<string, BenchStatus>();
  const benchView = new BenchView(ctx, d);
  // Quick fixes are the daemon's code actions, which the language client shows by itself.
  ctx.subscriptions.push(out, d, status, vscode.window.registerTreeDataProvider("nanoforge.projects", tree));

  let lastState = "";
  d.onNotification("nanoforge/bench/progress", (s) => {
    if (s.project) latest.set(s.project, s);
    const text = statusText(s);
    if (text) {
      status.text = text;
      status.tooltip = `Benchmark ${s.id} of ${s.project}: click for the live view`;
      status.show();
    } else {
      status.hide();
    }
    if (s.state !== lastState || !text) tree.refresh();
    const warning = finishWarning(lastState, s);
    if (warning) vscode.window.showWarningMessage(warning);
    lastState = s.state;
    benchView.progress(s);
  });
  d.onDidChangeRunning((up) => {
    if (!up) status.hide();
    tree.refresh();
  });

  const benchAction = (action: Params<"nanoforge/bench/control">["action"]) => guard(async (arg?: unknown) => {
    const project = await projectOf(arg);
    if (!project) return;
    const s = await d.request("nanoforge/bench/control", { project, action });
    vscode.window.setStatusBarMessage(`nanoforge: benchmark ${s.id} ${action}`, 4000);
    tree.refresh();
  });

  /** A project type as the daemon describes it: what the commands ask for follows from
   *  its signal roles, so a type added to the daemon needs nothing here. */
  const projectType = async (name: string | undefined) =>
    name === undefined ? undefined : (await d.request("nanoforge/types", {})).types.find((t) => t.name === name);

  const showBench = (project: string) => benchView.show(project);

  const cmds: Record<string, Command> = {
    "nanoforge.newProject": guard(async () => {
      const dir = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false,
                                                       openLabel: "Create the project here" });
      if (!dir) return;
      const { types } = await d.request("nanoforge/types", {});
      const type = await vscode.window.showQuickPick(types.map((t) => ({ label: t.name, description: t.title })),
                                                     { placeHolder: "project type" });
      if (!type) return;
      const axes = await vscode.window.showInputBox({ prompt: "axes (values per sample)", value: "3",
                                                      validateInput: (v) => (/^[1-9]\d*$/.test(v) ? undefined : "a whole number ≥ 1") });
      if (!axes) return;
      const buffer = await vscode.window.showInputBox({ prompt: "buffer length (samples per signal)", value: "256",
                                                        validateInput: (v) => (/^[1-9]\d*$/.test(v) ? undefined : "a whole number ≥ 1") });
      if (!buffer) return;
      const res = await d.request("nanoforge/project/new", { dir: dir[0].fsPath, type: type.label,
                                                                   axes: Number(axes), buffer: Number(buffer) });
      await vscode.window.showTextDocument(vscode.Uri.file(res.path));
      tree.refresh();
    }),
    "nanoforge.addSignals": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const info = await d.request("nanoforge/project/info", { dir: project });
      const kind = await projectType(info.type);
      const params: Params<"nanoforge/signals/add"> = { dir: project };
      if (kind?.roles.includes("class")) {
        const name = await vscode.window.showInputBox({ prompt: "class name" });
        if (!name) return;
        params.class_name = name;
        params.file = (await pickFiles(`Signals of class ${name}`))?.[0];
        if (!params.file) return;
      } else if (kind?.roles.includes("file")) {
        params.file = (await pickFiles(kind.targets_first ? "Training file (target first on each line)"
                                                          : "Training file"))?.[0];
        if (!params.file) return;
      } else {
        params.nominal = (await pickFiles("Nominal signals"))?.[0];
        if (!params.nominal) return;
        params.abnormal = (await pickFiles("Abnormal signals (optional: cancel to skip)"))?.[0];
      }
      await d.request("nanoforge/signals/add", params);
      tree.refresh();
    }),
    "nanoforge.check": guard(async (arg?: unknown) => {
      const target = fileOf(arg) ?? (await projectOf(arg));
      if (!target) return;
      const res = await d.request("nanoforge/check", { path: target });
      const n = res.diagnostics.length;
      const errors = res.diagnostics.filter((x) => x.severity === "error").length;
      for (const p of new Set(res.diagnostics.map((x) => x.path))) {
        // the daemon publishes a file's diagnostics when it is open; huge files stay closed
        if ((statSync(p, { throwIfNoEntry: false })?.size ?? Infinity) < OPEN_LIMIT) {
          await vscode.workspace.openTextDocument(vscode.Uri.file(p));
        }
      }
      if (n) await vscode.commands.executeCommand("workbench.actions.view.problems");
      vscode.window.showInformationMessage(n ? `nanoforge: ${errors} error(s), ${n - errors} warning(s) in ${path.basename(target)}`
                                             : `nanoforge: ${path.basename(target)} is clean`);
    }),
    "nanoforge.benchStart": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const cfg = vscode.workspace.getConfiguration("nanoforge.benchmark");
      const s = await d.request("nanoforge/bench/start", { project, time_budget: cfg.get<number>("timeBudget"),
                                                                          cores: cfg.get<number>("cores") });
      status.text = statusText({ ...s, state: "running" }) ?? "";
      status.show();
      tree.refresh();
      await showBench(project);
    }),
    "nanoforge.benchPause": benchAction("pause"),
    "nanoforge.benchResume": benchAction("resume"),
    "nanoforge.benchStop": benchAction("stop"),
    "nanoforge.showBenchmark": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (project) await showBench(project);
    }),
    "nanoforge.emulate": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const library = arg instanceof Node ? arg.library : undefined;
      const info = await d.request("nanoforge/project/info", { dir: project });
      let res: EmulateResult;
      if ((await projectType(info.type))?.learns_on_device) {
        const learn = await pickFiles("Nominal signals to learn", true);
        if (!learn) return;
        const detect = await pickFiles("Signals to detect", true);
        if (!detect) return;
        res = await d.request("nanoforge/emulate", { project, library, learn, detect });
      } else {
        const file = (arg instanceof Node ? arg.file : undefined)
          ?? (await pickFiles("Signals to run through the library"))?.[0];
        if (!file) return;
        res = await d.request("nanoforge/emulate", { project, library, file });
      }
      panels.show(ctx, `emulate:${project}`, `Emulator · ${path.basename(project)}`, "emulate", res);
    }),
    "nanoforge.deploy": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const library = arg instanceof Node ? arg.library : undefined;
      const res = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "nanoforge: building and deploying the library" },
        () => d.request("nanoforge/deploy", { project, library }));
      tree.refresh(); // the candidate's measured figures and cycles
      const m = res.footprint?.measured;
      vscode.window.showInformationMessage(`nanoforge: deployed ${res.neai_id} for ${res.target} into ${res.dir} ` +
                                           `(flash ${m?.flash} B, RAM ${m?.ram} B)`);
    }),
    "nanoforge.preview": guard(async (arg?: unknown) => {
      const file = fileOf(arg) ?? (await pickFiles("Signal file to preview"))?.[0];
      if (!file) return;
      const summary = await d.request("nanoforge/signals/summary", { path: file });
      panels.show(ctx, `preview:${file}`, `Preview · ${panels.titleFor(file)}`, "preview", summary);
    }),
    "nanoforge.refresh": async () => tree.refresh(),
    "nanoforge.restart": guard(async () => d.restart()),
    ...sensorCommands(ctx, d, guard, projectOf, () => tree.refresh()),
    ...timingCommands(ctx, d, guard, projectOf, () => tree.refresh()),
    ...validationCommands(ctx, d, guard, projectOf, () => tree.refresh()),
  };
  for (const [name, fn] of Object.entries(cmds)) ctx.subscriptions.push(vscode.commands.registerCommand(name, fn));
  ctx.subscriptions.push(vscode.workspace.onDidSaveTextDocument((doc) => {
    if (/nanoforge\.toml$|\.(csv|txt)$/i.test(doc.fileName)) tree.refresh();
  }));
  await d.start();
  tree.refresh();
}

export async function deactivate(): Promise<void> {
  await daemon?.stop();
}
