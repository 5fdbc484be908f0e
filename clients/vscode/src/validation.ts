// Validation experiments and reports in the editor: run chosen candidate libraries on new
// files picked from the project (quick picks, role by role as the project type labels
// them), the validation view (experiments listed and filterable, one experiment's ranked
// results), and a library's report in a webview with "Save as PDF". The daemon runs the
// libraries, keeps the experiments and writes the report and its PDF, as for the CLI.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Daemon } from "./daemon";
import { nonce, page } from "./logic";
import * as panels from "./panels";
import type { Experiment, ProjectInfo, ValidationInput } from "./protocol";
import { Node } from "./tree";
import { classOrder, fileItems } from "./validationlogic";
import type { ValidationData } from "./webview/validation";

type Command = (...args: unknown[]) => Promise<void>;
type Guard = (fn: (...args: unknown[]) => Promise<unknown>) => Command;
type ProjectOf = (arg: unknown) => Promise<string | undefined>;

interface ReportShown {
  project: string;
  library: string;
  experiment: string | null;
}

const BROWSE = "$(folder-opened) Other files…";

export function validationCommands(ctx: vscode.ExtensionContext, d: Daemon, guard: Guard, projectOf: ProjectOf,
                                   refreshTree: () => void): Record<string, Command> {
  const views = new Map<string, vscode.WebviewPanel>();
  const shown = new Map<string, ValidationData>();
  const reports = new WeakMap<vscode.WebviewPanel, ReportShown>();
  let activeReport: ReportShown | undefined;

  const post = (project: string) => void views.get(project)?.webview.postMessage({ type: "data", data: shown.get(project) });

  /** The view of `project`, showing experiment `exp` (default: what it showed, else the latest). */
  const showView = async (project: string, exp?: Experiment): Promise<void> => {
    const { experiments } = await d.request("nanoforge/validate/list", { project });
    let experiment = exp ?? shown.get(project)?.experiment;
    if (!experiment && experiments.length) experiment = await d.request("nanoforge/validate/show", { project });
    shown.set(project, { project, experiments, experiment });
    let panel = views.get(project);
    if (!panel) {
      const media = vscode.Uri.joinPath(ctx.extensionUri, "media");
      const scripts = vscode.Uri.joinPath(ctx.extensionUri, "dist", "webview");
      const script = vscode.Uri.joinPath(scripts, "validation.js");
      const p = vscode.window.createWebviewPanel("nanoforge.validation", `Validation · ${path.basename(project)}`,
        vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [media, scripts], retainContextWhenHidden: true });
      p.webview.html = page({ title: `Validation · ${path.basename(project)}`, view: "validation", nonce: nonce(),
                              cspSource: p.webview.cspSource, scriptUri: p.webview.asWebviewUri(script).toString(),
                              styleUri: p.webview.asWebviewUri(vscode.Uri.joinPath(media, "validation.css")).toString() });
      p.webview.onDidReceiveMessage((m) => void onMessage(project, m));
      p.onDidDispose(() => {
        views.delete(project);
        shown.delete(project);
      });
      views.set(project, p);
      panel = p;
    } else {
      panel.reveal(undefined, true);
    }
    post(project);
  };

  const onMessage = guard(async (...args: unknown[]) => {
    const [project, m] = args as [string, { type?: string; id?: string; library?: string; experiment?: string }];
    if (m?.type === "ready") post(project);
    else if (m?.type === "show" && m.id) {
      await showView(project, await d.request("nanoforge/validate/show", { project, id: m.id }));
    } else if (m?.type === "validate") await validate(project, undefined);
    else if (m?.type === "report" && m.library) await openReport(project, m.library, m.experiment ?? null);
    else if (m?.type === "pdf" && m.library) await savePdf({ project, library: m.library, experiment: m.experiment ?? null });
  });

  /** The project's signal files (any .csv/.txt under it), for the quick picks. */
  const projectFiles = async (project: string, info: ProjectInfo) => {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(project, "**/*.{csv,txt,CSV,TXT}"),
                                                  "**/{.nanoforge,node_modules,.git}/**", 2000);
    return fileItems(project, uris.map((u) => u.fsPath), info.signals);
  };

  /** Labelled files, role by role as the project type lists them: pick a file, then
   *  another, then "Done"; a class role asks each file's class. */
  const inputs = async (project: string): Promise<ValidationInput[] | undefined> => {
    const info = await d.request("nanoforge/project/info", { dir: project });
    const kind = (await d.request("nanoforge/types", {})).types.find((t) => t.name === info.type);
    const items = await projectFiles(project, info);
    const out: ValidationInput[] = [];
    for (const role of kind?.validation_roles ?? []) {
      const chosen: string[] = [];
      for (;;) {
        const done = chosen.length ? `$(check) Done with the ${role} files (${chosen.length})` : `$(arrow-right) No ${role} file`;
        const pick = await vscode.window.showQuickPick(
          [{ label: done, description: "", file: "" }, ...items.filter((i) => !chosen.includes(i.file)),
           { label: BROWSE, description: "", file: "" }],
          { placeHolder: `Validation files, ${role}: pick one, then another, then Done (${kind?.validation_usage ?? ""})`,
            matchOnDescription: true, ignoreFocusOut: true });
        if (!pick) return undefined;
        if (pick.label === done) break;
        const files = pick.label === BROWSE
          ? (await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: `Validation files: ${role}`,
                                                  filters: { "Signal files": ["csv", "txt"] } }))?.map((u) => u.fsPath) ?? []
          : [pick.file];
        for (const file of files) {
          chosen.push(file);
          if (role === "class") {
            const label = await vscode.window.showQuickPick(classOrder(file, info.signals),
              { placeHolder: `class of every signal in ${path.basename(file)}`, ignoreFocusOut: true });
            if (!label) return undefined;
            out.push({ role, file, label });
          } else {
            out.push({ role, file });
          }
        }
      }
    }
    return out;
  };

  const validate = async (project: string, chosen: string | undefined): Promise<void> => {
    const { candidates } = await d.request("nanoforge/bench/candidates", { project, limit: 20 });
    if (!candidates.length) throw new Error(`${project}: no candidate library yet; start a benchmark first`);
    const picks = await vscode.window.showQuickPick(
      candidates.map((c, i) => ({ label: c.library, picked: chosen ? c.library === chosen : i < 3,
                                  description: `score ${c.score.toFixed(2)} · ${c.pipeline.join(" → ")} → ${c.model}` })),
      { canPickMany: true, placeHolder: "libraries to validate on new files", ignoreFocusOut: true });
    if (!picks?.length) return;
    const files = await inputs(project);
    if (!files?.length) return;
    const exp = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `nanoforge: running ${picks.length} libraries on the files` },
      () => d.request("nanoforge/validate", { project, libraries: picks.map((p) => p.label), inputs: files }));
    refreshTree();
    await showView(project, exp);
  };

  const openReport = async (project: string, library: string | undefined, experiment: string | null): Promise<void> => {
    const html = path.join(mkdtempSync(path.join(tmpdir(), "nanoforge-report-")), "report.html");
    const res = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "nanoforge: writing the report" },
      () => d.request("nanoforge/report", { project, library, experiment, html }));
    const panel = panels.showHtml(`report:${project}:${res.library}`, `Report · ${res.library}`, readFileSync(html, "utf8"));
    const info = { project, library: res.library, experiment: res.experiment };
    if (!reports.has(panel)) {
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) activeReport = reports.get(e.webviewPanel);
      });
    }
    reports.set(panel, info);
    activeReport = info;
    void vscode.window.showInformationMessage(`nanoforge: report on library ${res.library}` +
      (res.experiment ? ` with experiment ${res.experiment}` : ""), "Save as PDF").then((a) => {
      if (a === "Save as PDF") void guard(() => savePdf(info))();
    });
  };

  const savePdf = async (r: ReportShown): Promise<void> => {
    const to = await vscode.window.showSaveDialog({ filters: { PDF: ["pdf"] }, saveLabel: "Save the report as PDF",
      defaultUri: vscode.Uri.file(path.join(r.project, `report-${r.library}.pdf`)) });
    if (!to) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "nanoforge: printing the report to PDF" },
      () => d.request("nanoforge/report", { project: r.project, library: r.library, experiment: r.experiment, pdf: to.fsPath }));
    vscode.window.showInformationMessage(`nanoforge: saved ${to.fsPath}`);
  };

  return {
    "nanoforge.validate": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (project) await validate(project, arg instanceof Node ? arg.library : undefined);
    }),
    "nanoforge.showValidation": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (project) await showView(project);
    }),
    "nanoforge.showExperiment": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const id = arg instanceof Node ? arg.experiment : undefined;
      await showView(project, await d.request("nanoforge/validate/show", { project, id }));
    }),
    "nanoforge.openReport": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      let library = arg instanceof Node ? arg.library : undefined;
      if (!library) {
        const { candidates } = await d.request("nanoforge/bench/candidates", { project, limit: 20 });
        const pick = await vscode.window.showQuickPick(
          candidates.map((c) => ({ label: c.library, description: `score ${c.score.toFixed(2)} · ${c.pipeline.join(" → ")} → ${c.model}` })),
          { placeHolder: "library to report on (the best first)" });
        if (!pick) return;
        library = pick.label;
      }
      await openReport(project, library, null);
    }),
    "nanoforge.saveReportPdf": guard(async () => {
      if (!activeReport) throw new Error("open a report first (nanoforge: Open Report)");
      await savePdf(activeReport);
    }),
  };
}
