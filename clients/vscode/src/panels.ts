// Webviews: signal preview, live benchmark, emulator results. Data goes in by postMessage;
// the page draws it with media/view.js (no remote resources, scripts only with a nonce).
import * as path from "node:path";
import * as vscode from "vscode";
import { nonce, page } from "./logic";

const open = new Map<string, vscode.WebviewPanel>();

export function show(ctx: vscode.ExtensionContext, key: string, title: string, view: string, data: unknown): vscode.WebviewPanel {
  let panel = open.get(key);
  if (!panel) {
    const media = vscode.Uri.joinPath(ctx.extensionUri, "media");
    panel = vscode.window.createWebviewPanel(`nanoforge.${view}`, title, vscode.ViewColumn.Beside,
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true });
    const w = panel.webview;
    w.html = page({
      title, view, nonce: nonce(), cspSource: w.cspSource,
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(media, "view.js")).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(media, "view.css")).toString(),
    });
    open.set(key, panel);
    panel.onDidDispose(() => open.delete(key));
    let last = data;
    const ready = w.onDidReceiveMessage((m) => {
      if (m?.type === "ready") void w.postMessage({ type: "data", view, data: last });
    });
    panel.onDidDispose(() => ready.dispose());
    (panel as any)._nfSet = (d: unknown) => {
      last = d;
    };
  } else {
    (panel as any)._nfSet?.(data);
    panel.reveal(undefined, true);
  }
  void panel.webview.postMessage({ type: "data", view, data });
  return panel;
}

export function update(key: string, view: string, data: unknown): void {
  const panel = open.get(key);
  if (!panel) return;
  (panel as any)._nfSet?.(data);
  void panel.webview.postMessage({ type: "data", view, data });
}

export function isOpen(key: string): boolean {
  return open.has(key);
}

export function titleFor(file: string): string {
  return path.basename(file);
}
