// Projects → signal files (line and column counts), benchmarks → candidate libraries.
import * as path from "node:path";
import * as vscode from "vscode";
import type { Daemon } from "./daemon";
import { benchDescription, benchTooltip, candidateLabel, experimentDescription, fileDescription } from "./logic";
import type { BenchStatus, Candidate, ExperimentLine, ProjectInfo, SignalFileInfo } from "./protocol";

/** What a tree item stands for: the daemon's answer it was made from. */
export type NodeData = ProjectInfo | SignalFileInfo | BenchStatus | Candidate | ExperimentLine;

export class Node extends vscode.TreeItem {
  constructor(label: string, public readonly kind: string, public readonly project: string,
              collapsible: vscode.TreeItemCollapsibleState, public readonly data?: NodeData) {
    super(label, collapsible);
    this.contextValue = kind;
  }

  /** The signal file of a signal-file item. */
  get file(): string | undefined {
    return this.kind === "signalFile" ? (this.data as SignalFileInfo).path : undefined;
  }

  /** The library of a candidate item. */
  get library(): string | undefined {
    return this.kind === "candidate" ? (this.data as Candidate).library : undefined;
  }

  /** The id of a validation experiment item. */
  get experiment(): string | undefined {
    return this.kind === "experiment" ? (this.data as ExperimentLine).id : undefined;
  }
}

export class ProjectsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly daemon: Daemon) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(n: Node): vscode.TreeItem {
    return n;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    const None = vscode.TreeItemCollapsibleState.None;
    const Expanded = vscode.TreeItemCollapsibleState.Expanded;
    if (!n) {
      const files = await vscode.workspace.findFiles("**/nanoforge.toml", "**/{node_modules,.nanoforge}/**");
      return files.map((f) => {
        const root = path.dirname(f.fsPath);
        const node = new Node(path.basename(root), "project", root, Expanded);
        node.iconPath = new vscode.ThemeIcon("circuit-board");
        node.resourceUri = vscode.Uri.file(root);
        node.tooltip = root;
        return node;
      }).sort((a, b) => String(a.label).localeCompare(String(b.label)));
    }
    try {
      if (n.kind === "project") {
        const info = await this.daemon.request("nanoforge/project/info", { dir: n.project });
        n.description = info.valid ? info.type_name : `${info.errors} error(s) in nanoforge.toml`;
        return [new Node("Signal files", "signals", n.project, Expanded, info),
                new Node("Benchmarks", "benchmarks", n.project, Expanded),
                new Node("Validation", "validations", n.project, Expanded)];
      }
      if (n.kind === "signals") {
        return ((n.data as ProjectInfo | undefined)?.signals ?? []).map((f) => {
          const node = new Node(path.basename(f.path), "signalFile", n.project, None, f);
          node.description = `${f.role} · ${fileDescription(f)}`;
          node.resourceUri = vscode.Uri.file(f.path);
          node.iconPath = new vscode.ThemeIcon(f.exists ? "file" : "warning");
          node.command = { command: "vscode.open", title: "Open", arguments: [vscode.Uri.file(f.path)] };
          return node;
        });
      }
      if (n.kind === "benchmarks") {
        const res = await this.daemon.request("nanoforge/bench/list", { project: n.project });
        const list: BenchStatus[] = res.benchmarks;
        return list.slice().reverse().map((b, i) => {
          const node = new Node(b.id, `bench-${b.state}`, n.project, i === 0 ? Expanded : None, b);
          node.description = benchDescription(b);
          node.tooltip = benchTooltip(b);
          node.iconPath = new vscode.ThemeIcon(b.state === "running" ? "sync~spin" : "beaker");
          return node;
        });
      }
      if (n.kind === "validations") {
        const res = await this.daemon.request("nanoforge/validate/list", { project: n.project });
        return res.experiments.slice().reverse().map((e) => {
          const node = new Node(e.id, "experiment", n.project, None, e);
          node.description = experimentDescription(e);
          node.tooltip = `${e.inputs} file(s); libraries ${e.libraries.join(", ")}`;
          node.iconPath = new vscode.ThemeIcon(e.verdict === "none" ? "warning" : "checklist");
          node.command = { command: "nanoforge.showExperiment", title: "Show", arguments: [node] };
          return node;
        });
      }
      if (n.kind.startsWith("bench-")) {
        const res = await this.daemon.request("nanoforge/bench/candidates", { project: n.project, limit: 10 });
        if (res.id !== n.label) return [];
        return res.candidates.map((c) => {
          const l = candidateLabel(c, res);
          const node = new Node(l.label, "candidate", n.project, None, c);
          node.description = l.description;
          node.tooltip = l.tooltip;
          node.iconPath = new vscode.ThemeIcon("package");
          return node;
        });
      }
    } catch (e: unknown) {
      const node = new Node(e instanceof Error ? e.message : String(e), "error", n.project, None);
      node.iconPath = new vscode.ThemeIcon("error");
      return [node];
    }
    return [];
  }
}
