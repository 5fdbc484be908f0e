// Webviews: signal preview, live benchmark, emulator results. Data goes in by postMessage;
// the page draws it with media/view.js (no remote resources, scripts only with a nonce).
import * as path from "node:path";
import * as vscode from "vscode";
import { nonce, page } from "./logic";

const open = new Map<string, vscode.WebviewPanel>();
const latest = new Map<string, { view: string; data: unknown }>(); // re-sent when a page (re)loads

export function show(ctx: vscode.ExtensionContext, key: string, title: string, view: string, data: unknown): vscode.WebviewPanel {
  latest.set(key, { view, data });
  let panel = open.get(key);
  if (!panel) {
    const media = vscode.Uri.joinPath(ctx.extensionUri, "media");
    const scripts = vscode.Uri.joinPath(ctx.extensionUri, "dist", "webview"); // Chart.js, bundled
    const p = vscode.window.createWebviewPanel(`nanoforge.${view}`, title, vscode.ViewColumn.Beside,
      { enableScripts: true, localResourceRoots: [media, scripts], retainContextWhenHidden: true });
    const w = p.webview;
    w.html = page({
      title, view, nonce: nonce(), cspSource: w.cspSource,
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(media, "view.js")).toString(),
      libUris: [w.asWebviewUri(vscode.Uri.joinPath(scripts, "charts.js")).toString()],
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(media, "view.css")).toString(),
    });
    const ready = w.onDidReceiveMessage((m) => {
      const last = latest.get(key);
      if (m?.type === "ready" && last) void w.postMessage({ type: "data", ...last });
    });
    p.onDidDispose(() => {
      ready.dispose();
      open.delete(key);
      latest.delete(key);
    });
    open.set(key, p);
    panel = p;
  } else {
    panel.reveal(undefined, true);
  }
  void panel.webview.postMessage({ type: "data", view, data });
  return panel;
}

/** New data for a panel that is open; nothing when it is not. */
export function update(key: string, view: string, data: unknown): void {
  const panel = open.get(key);
  if (!panel) return;
  latest.set(key, { view, data });
  void panel.webview.postMessage({ type: "data", view, data });
}

export function titleFor(file: string): string {
  return path.basename(file);
}

/** A self-contained page (the report: inline CSS and SVG, no script), shown as it is. */
export function showHtml(key: string, title: string, html: string): vscode.WebviewPanel {
  let panel = open.get(key);
  if (!panel) {
    const p = vscode.window.createWebviewPanel("nanoforge.report", title, vscode.ViewColumn.Active,
      { enableScripts: false, localResourceRoots: [] });
    p.onDidDispose(() => open.delete(key));
    open.set(key, p);
    panel = p;
  } else {
    panel.reveal();
  }
  panel.webview.html = html;
  return panel;
}
