// The connection to the nanoforge daemon: `python -m nanoforge.cli daemon --stdio` as a
// language server. The daemon owns all state; this side only asks and shows.
import { spawnSync } from "node:child_process";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, State } from "vscode-languageclient/node";
import { choosePython } from "./logic";
import { NOTIFICATION_METHODS } from "./protocol";
import type { NotificationMethod, Notifications, Params, RequestMethod, Result } from "./protocol";

/** The little of the Python extension's API used here; older versions lack `environments`. */
interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath?: () => { path?: string } | undefined };
  settings?: { getExecutionDetails?: () => { execCommand?: string[] } | undefined };
}

/** Listeners by notification; each gets the params type the protocol declares for its method. */
type Listeners = { [M in NotificationMethod]: ((params: Notifications[M]) => void)[] };

async function pythonFromExtension(): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi | undefined>("ms-python.python");
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const env = api?.environments?.getActiveEnvironmentPath?.();
    if (env?.path) return env.path;
    const details = api?.settings?.getExecutionDetails?.();
    return details?.execCommand?.[0];
  } catch {
    return undefined;
  }
}

export class Daemon implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly listeners = Object.fromEntries(NOTIFICATION_METHODS.map((m) => [m, []])) as unknown as Listeners;
  private readonly onState = new vscode.EventEmitter<boolean>();
  readonly onDidChangeRunning = this.onState.event;

  constructor(private readonly out: vscode.OutputChannel) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  onNotification<M extends NotificationMethod>(method: M, fn: (params: Notifications[M]) => void): void {
    this.listeners[method].push(fn);
  }

  /** Hands notification `method` from the daemon to this side's listeners. */
  private relay<M extends NotificationMethod>(client: LanguageClient, method: M): void {
    client.onNotification(method, (params: Notifications[M]) => {
      for (const fn of this.listeners[method]) fn(params);
    });
  }

  async start(): Promise<boolean> {
    const setting = vscode.workspace.getConfiguration("nanoforge").get<string>("python");
    const python = choosePython(setting, setting ? undefined : await pythonFromExtension());
    const probe = spawnSync(python, ["-c", "import nanoforge.cli"], { encoding: "utf8", timeout: 30000 });
    if (probe.error || probe.status !== 0) {
      const why = probe.error ? probe.error.message : (probe.stderr || "").trim().split("\n").pop();
      this.out.appendLine(`nanoforge not found for ${python}: ${why}`);
      const pick = await vscode.window.showErrorMessage(
        `nanoforge is not installed for ${python} (${why}). Install it there (pip install nanoforge, or ` +
          "pip install -e . in its repository), or set nanoforge.python.", "Open Settings", "Retry");
      if (pick === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "nanoforge.python");
      if (pick === "Retry") return this.start();
      return false;
    }
    const server: ServerOptions = { command: python, args: ["-m", "nanoforge.cli", "daemon", "--stdio"] };
    const options: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", pattern: "**/*.csv" },
        { scheme: "file", pattern: "**/*.txt" },
        { scheme: "file", pattern: "**/nanoforge.toml" },
      ],
      outputChannel: this.out,
    };
    this.client = new LanguageClient("nanoforge", "nanoforge", server, options);
    this.client.onDidChangeState((e) => this.onState.fire(e.newState === State.Running));
    await this.client.start();
    for (const method of NOTIFICATION_METHODS) this.relay(this.client, method);
    this.out.appendLine(`connected to the nanoforge daemon with ${python}`);
    return true;
  }

  async restart(): Promise<void> {
    await this.stop();
    if (await this.start()) vscode.window.showInformationMessage("nanoforge: reconnected to the daemon.");
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop();
      } catch (e) {
        this.out.appendLine(`stopping the client: ${e}`);
      }
    }
  }

  /** A request to the daemon, typed by the protocol; its user-facing errors become error messages. */
  async request<M extends RequestMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    if (!this.client || !this.running) {
      if (!(await this.start())) throw new Error("nanoforge is not running");
    }
    return this.client!.sendRequest<Result<M>>(method, params);
  }

  dispose(): void {
    void this.stop();
    this.onState.dispose();
  }
}
