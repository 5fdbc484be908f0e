// The live benchmark view: the status from every progress notification, and the charts
// (`nanoforge/bench/charts`: the four indicators' evolution, the project type's results
// plots of the best so far) fetched again when the best changes, at most one request at a
// time per project and only while the view is open.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Daemon } from "./daemon";
import { chartsDue, chartsSig } from "./benchlogic";
import * as panels from "./panels";
import type { BenchCharts, BenchStatus } from "./protocol";

/** What the benchmark page draws (media/view.js, `bench`). */
export interface BenchData {
  status: BenchStatus;
  charts?: BenchCharts;
  error?: string;
}

export class BenchView {
  private readonly open = new Set<string>();
  private readonly data = new Map<string, BenchData>();
  private readonly fetching = new Set<string>();
  private readonly fetched = new Map<string, { sig: string; at: number }>();

  constructor(private readonly ctx: vscode.ExtensionContext, private readonly d: Daemon) {}

  async show(project: string): Promise<void> {
    const status = await this.d.request("nanoforge/bench/status", { project });
    const data = { ...this.data.get(project), status };
    this.data.set(project, data);
    const panel = panels.show(this.ctx, `bench:${project}`, `Benchmark · ${path.basename(project)}`, "bench", data);
    if (!this.open.has(project)) {
      this.open.add(project);
      panel.onDidDispose(() => {
        this.open.delete(project);
        this.fetched.delete(project);
      });
    }
    await this.refresh(project);
  }

  /** A progress notification: the status now, the charts when they are due. */
  progress(s: BenchStatus): void {
    if (!s.project || !this.open.has(s.project)) return;
    const data = { ...this.data.get(s.project), status: s };
    this.data.set(s.project, data);
    panels.update(`bench:${s.project}`, "bench", data);
    void this.refresh(s.project);
  }

  private async refresh(project: string): Promise<void> {
    const data = this.data.get(project);
    if (!data || this.fetching.has(project) || !chartsDue(data.status, this.fetched.get(project), Date.now())) return;
    this.fetching.add(project);
    const sig = chartsSig(data.status);
    try {
      const charts = await this.d.request("nanoforge/bench/charts", { project });
      this.data.set(project, { ...this.data.get(project)!, charts, error: undefined });
    } catch (e: unknown) {
      this.data.set(project, { ...this.data.get(project)!, error: e instanceof Error ? e.message : String(e) });
    } finally {
      this.fetched.set(project, { sig, at: Date.now() });
      this.fetching.delete(project);
    }
    panels.update(`bench:${project}`, "bench", this.data.get(project)!);
    void this.refresh(project); // the best may have changed while the charts were computed
  }
}
