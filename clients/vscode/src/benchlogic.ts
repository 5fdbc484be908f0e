// When the benchmark view asks for its charts again, free of the `vscode` module so that
// unit tests run in plain Node.
import type { BenchStatus } from "./protocol";

/** While a benchmark runs, the candidates' scores are fetched again at most this often. */
export const RUNNING_REFRESH_MS = 5000;

/** What changes the charts: another benchmark, a new best, a new state. */
export function chartsSig(s: Pick<BenchStatus, "id" | "state" | "history">): string {
  return `${s.id}|${s.history.length}|${s.state}`;
}

/** Whether the charts are due: never fetched, something changed, or (running) a while ago. */
export function chartsDue(s: Pick<BenchStatus, "id" | "state" | "history">, last: { sig: string; at: number } | undefined,
                          now: number): boolean {
  if (!last || last.sig !== chartsSig(s)) return true;
  return s.state === "running" && now - last.at >= RUNNING_REFRESH_MS;
}
