// Execution time in the editor: a candidate's cycles per call on every core, counted by the
// daemon in the instruction-level emulator (`nanoforge timing`); the counts are cached, so
// the tree then shows the candidate's cycles per inference (deploy adds its measured size).
import * as vscode from "vscode";
import type { Daemon } from "./daemon";
import { timingTable } from "./logic";
import { Node } from "./tree";

type Command = (...args: unknown[]) => Promise<void>;
type Guard = (fn: (...args: unknown[]) => Promise<unknown>) => Command;
type ProjectOf = (arg: unknown) => Promise<string | undefined>;

export function timingCommands(ctx: vscode.ExtensionContext, d: Daemon, guard: Guard, projectOf: ProjectOf,
                               refresh: () => void): Record<string, Command> {
  const out = vscode.window.createOutputChannel("nanoforge timing");
  ctx.subscriptions.push(out);
  return {
    "nanoforge.timing": guard(async (arg?: unknown) => {
      const project = await projectOf(arg);
      if (!project) return;
      const library = arg instanceof Node ? arg.library : undefined;
      const t = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "nanoforge: counting cycles on every core" },
        () => d.request("nanoforge/timing", { project, library }));
      out.clear();
      for (const line of timingTable(t)) out.appendLine(line);
      out.show(true);
      refresh();
    }),
  };
}
