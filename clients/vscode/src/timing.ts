// Execution time in the editor: a candidate's cycles per call on every core, counted by the
// daemon in the instruction-level emulator (`nanoforge timing`). Counting builds the
// library, so afterwards the tree shows its measured flash/RAM and cycles as well.
import * as vscode from "vscode";
import type { Daemon } from "./daemon";
import type { TimingResult } from "./protocol";
import { Node } from "./tree";

type Command = (...args: unknown[]) => Promise<void>;
type Guard = (fn: (...args: unknown[]) => Promise<unknown>) => Command;
type ProjectOf = (arg: unknown) => Promise<string | undefined>;

/** The `nanoforge timing` table: one line per core and call. */
export function timingTable(t: TimingResult): string[] {
  const lines = [`library ${t.library} (${t.neai_id}) · ${t.signals} signals per call · clock ${t.clock_hz / 1e6} MHz` +
                 ` · project core ${t.target}${t.max_latency_ms === null ? "" : ` · max ${t.max_latency_ms} ms`}`];
  for (const c of t.cores) {
    if (!c.available) {
      lines.push(`${c.core.padEnd(12)} not counted: ${c.reason ?? "unavailable"}`);
      continue;
    }
    for (const [fn, x] of Object.entries(c.calls ?? {})) {
      lines.push(`${c.core.padEnd(12)} ${fn.padEnd(36)} ${String(x.cycles).padStart(10)} cycles ${x.ms.toFixed(3).padStart(9)} ms`);
    }
  }
  return lines;
}

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
