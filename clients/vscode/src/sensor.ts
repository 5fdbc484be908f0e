// From the sensor to the project, in the editor: record from a serial port (with a port
// picker and a live count), live emulation, the datalogger generator and the sampling
// finder's heatmap. The daemon owns the port and does the work, as for the CLI.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Daemon } from "./daemon";
import * as panels from "./panels";
import type { ProjectInfo, SerialStatus } from "./protocol";

type Command = (...args: unknown[]) => Promise<void>;
type Guard = (fn: (...args: unknown[]) => Promise<unknown>) => Command;
type ProjectOf = (arg: unknown) => Promise<string | undefined>;

const POLL_MS = 400;

/** The ports the daemon sees, or any device path typed in the same box: pseudo-terminals,
 *  symlinks such as /dev/serial/by-id/… and ports behind adapters are often not listed. */
async function pickPort(d: Daemon): Promise<string | undefined> {
  const { ports } = await d.request("nanoforge/serial/ports", {});
  const qp = vscode.window.createQuickPick();
  qp.items = ports.map((p) => ({ label: p.device, description: p.description }));
  qp.placeholder = ports.length ? "Serial port of the datalogger, or type a device path"
                                : "No serial port found: type a device path (/dev/ttyACM0, COM3)";
  qp.ignoreFocusOut = true;
  const typed = (): vscode.QuickPickItem[] =>
    qp.value && !ports.some((p) => p.device === qp.value) ? [{ label: qp.value, description: "typed path" }] : [];
  qp.onDidChangeValue(() => {
    qp.items = [...typed(), ...ports.map((p) => ({ label: p.device, description: p.description }))];
  });
  const chosen = await new Promise<string | undefined>((ok) => {
    qp.onDidAccept(() => ok(qp.selectedItems[0]?.label ?? (qp.value || undefined)));
    qp.onDidHide(() => ok(undefined));
    qp.show();
  });
  qp.dispose();
  return chosen?.trim() || undefined;
}

/** Continuous recordings, one per class: a folder of the workspace whose signal files are
 *  all checked (uncheck what is not a class), or files from anywhere. The editor's own file
 *  dialog picks one file at a time where it is not native (remote, web). */
async function pickRecordings(): Promise<string[] | undefined> {
  const files = await vscode.workspace.findFiles("**/*.{csv,txt}", "**/{node_modules,.nanoforge}/**", 5000);
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(path.dirname(f.fsPath), [...(byDir.get(path.dirname(f.fsPath)) ?? []), f.fsPath]);
  const browse = "Files from elsewhere…";
  const dirs = [...byDir.entries()].filter(([, fs]) => fs.length >= 2).sort(([a], [b]) => a.localeCompare(b));
  const dir = await vscode.window.showQuickPick(
    [...dirs.map(([dir, fs]) => ({ label: vscode.workspace.asRelativePath(dir), description: `${fs.length} files`, dir })),
     { label: browse, description: "", dir: "" }],
    { placeHolder: "Folder of continuous recordings (one sample per line, one file per class)" });
  if (!dir) return undefined;
  if (!dir.dir) {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: "Continuous recordings, one per class",
                                                      filters: { "Signal files": ["csv", "txt"] } });
    return uris?.map((u) => u.fsPath);
  }
  const picks = await vscode.window.showQuickPick(
    byDir.get(dir.dir)!.sort().map((f) => ({ label: path.basename(f), picked: true, file: f })),
    { canPickMany: true, placeHolder: "Recordings to compare, one per class" });
  return picks?.map((p) => p.file);
}

async function askNumber(prompt: string, value: string, integer = true): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    prompt, value,
    validateInput: (t) => {
      const v = Number(t);
      return Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)) ? undefined : "a number greater than 0";
    },
  });
  return text === undefined ? undefined : Number(text);
}

function skippedText(s: SerialStatus): string {
  const parts = Object.entries(s.skipped).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`);
  return parts.length ? `, skipped ${parts.join(", ")}` : "";
}

/** Polls a serial run with a cancellable notification until it ends; `onResult` gets
 *  each live answer. Cancelling stops the run (the daemon keeps what it received). */
async function follow(d: Daemon, title: string, start: SerialStatus,
                      onResult?: (r: Record<string, unknown>) => void): Promise<SerialStatus> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      let s = start;
      let since = s.next;
      for (;;) {
        for (const r of s.results) onResult?.(r);
        progress.report({ message: `${s.signals} signals, ${s.rate.toFixed(1)} lines/s${skippedText(s)}` });
        if (s.state !== "running") return s;
        if (token.isCancellationRequested) {
          s = await d.request("nanoforge/serial/stop", { id: s.id, since });
          for (const r of s.results) onResult?.(r);
          return s;
        }
        await new Promise((ok) => setTimeout(ok, POLL_MS));
        s = await d.request("nanoforge/serial/status", { id: s.id, since });
        since = s.next;
      }
    });
}

function ended(s: SerialStatus, what: string): void {
  if (s.state === "failed" || s.ended_by === "disconnected") {
    vscode.window.showWarningMessage(`nanoforge: ${what} ended: ${s.error}; ${s.signals} signals kept${skippedText(s)}`);
  } else {
    vscode.window.showInformationMessage(`nanoforge: ${what}: ${s.signals} signals${skippedText(s)}`);
  }
}

function answerLine(r: Record<string, unknown>): string {
  if (r.learning) return `${r.signal}\tlearned`;
  if ("class" in r) return `${r.signal}\t${r.class}\t[${(r.probabilities as number[]).map((p) => p.toFixed(3)).join(" ")}]`;
  if ("similarity" in r) return `${r.signal}\t${r.similarity} %\t${r.status}`;
  if ("outlier" in r) return `${r.signal}\t${r.outlier ? "outlier" : "nominal"}\tscore ${r.score}`;
  return `${r.signal}\t${JSON.stringify(r)}`;
}

export function sensorCommands(ctx: vscode.ExtensionContext, d: Daemon, guard: Guard,
                               projectOf: ProjectOf, refresh: () => void = () => {}): Record<string, Command> {
  const live = vscode.window.createOutputChannel("nanoforge live emulation");
  ctx.subscriptions.push(live);
  const info = async (project: string): Promise<ProjectInfo> => d.request("nanoforge/project/info", { dir: project });

  return {
    "nanoforge.record": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const { types } = await d.request("nanoforge/types", {});
      const p = await info(project);
      const roles = types.find((t) => t.name === p.type)?.roles ?? [];
      let role: { class_name?: string; nominal?: boolean; abnormal?: boolean };
      if (roles.includes("class")) {
        const name = await vscode.window.showInputBox({ prompt: "Class recorded (names the file signals/NAME.csv)" });
        if (!name) return;
        role = { class_name: name };
      } else if (roles.includes("nominal")) {
        const pick = await vscode.window.showQuickPick(roles.filter((r) => r === "nominal" || r === "abnormal"),
                                                       { placeHolder: "Signals recorded" });
        if (!pick) return;
        role = pick === "nominal" ? { nominal: true } : { abnormal: true };
      } else {
        vscode.window.showErrorMessage("nanoforge: this project type's files are not recorded by class; record with the CLI's --out");
        return;
      }
      const port = await pickPort(d);
      if (!port) return;
      const baud = await askNumber("Baud rate", "115200");
      if (!baud) return;
      const start = await d.request("nanoforge/serial/record", { project, port, baud, ...role });
      const s = await follow(d, `nanoforge: recording from ${port}`, start);
      ended(s, `recording into ${s.path}`);
      refresh();
    }),

    "nanoforge.emulateLive": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const { types } = await d.request("nanoforge/types", {});
      const p = await info(project);
      let learn: number | undefined;
      if (types.find((t) => t.name === p.type)?.learns_on_device) {
        learn = await askNumber("Signals to learn before detecting (at least 10)", "20");
        if (!learn) return;
      }
      const port = await pickPort(d);
      if (!port) return;
      const baud = await askNumber("Baud rate", "115200");
      if (!baud) return;
      const start = await d.request("nanoforge/serial/emulate", { project, port, baud, learn });
      live.clear();
      live.show(true);
      live.appendLine(`${path.basename(project)}: live emulation from ${port}`);
      const s = await follow(d, `nanoforge: live emulation from ${port}`, start, (r) => live.appendLine(answerLine(r)));
      ended(s, "live emulation");
    }),

    "nanoforge.datalogger": guard(async (arg?: unknown) => {
      const { boards, sensors } = await d.request("nanoforge/datalogger/boards", {});
      const board = await vscode.window.showQuickPick(boards.map((b) => ({ label: b.name, description: b.title })),
                                                      { placeHolder: "Board or framework" });
      if (!board) return;
      const project = arg === undefined ? undefined : await projectOf(arg);
      const p = project ? await info(project) : undefined;
      const hz = await askNumber("Sampling rate (Hz)", String(p?.sampling_hz ?? 100), false);
      const buffer = hz && (await askNumber("Samples per axis in a signal", String(p?.buffer ?? 256)));
      const axes = buffer && (await askNumber("Axes", String(p?.axes ?? 3)));
      if (!hz || !buffer || !axes) return;
      let sensor: string | undefined;
      if (board.label === "zephyr") {
        sensor = await vscode.window.showQuickPick(sensors.filter((s) => s !== "generic"), { placeHolder: "Sensor channels" });
        if (!sensor) return;
      }
      const dir = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false,
                                                       defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
                                                       openLabel: "Write the datalogger in a new folder here" });
      if (!dir) return;
      const out_dir = path.join(dir[0].fsPath, `datalogger-${board.label}`);
      const res = await d.request("nanoforge/datalogger", { board: board.label, sensor, hz, buffer, axes, out_dir });
      for (const n of res.notes) vscode.window.showWarningMessage(`nanoforge: ${n}`);
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(res.dir, "README.md")));
    }),

    "nanoforge.samplingFinder": guard(async () => {
      const paths = await pickRecordings();
      if (!paths || paths.length < 2) {
        if (paths) vscode.window.showErrorMessage("nanoforge: the sampling finder needs one recording per class (two or more)");
        return;
      }
      const variables = await askNumber("Values per line (variables)", "3");
      const hz = variables && (await askNumber("Rate the files were recorded at (Hz)", "1000", false));
      if (!variables || !hz) return;
      const res = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "nanoforge: sampling finder" },
        () => d.request("nanoforge/sampling-finder", { paths, variables, hz }));
      panels.show(ctx, `sampling:${paths.join("|")}`, "Sampling finder", "sampling", res);
    }),
  };
}
