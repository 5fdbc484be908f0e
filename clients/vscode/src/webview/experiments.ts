// The validation view's list of experiments, filtered as the user types (no browser or
// Node module: the page bundles it, unit tests import it).
import type { ExperimentLine } from "../protocol";

/** The experiments whose id, libraries, best library, metric or verdict contain every word of the filter. */
export function filterExperiments(list: ExperimentLine[], filter: string): ExperimentLine[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return list.filter((e) => {
    const text = [e.id, e.best, e.verdict, e.main_metric, ...e.libraries].join(" ").toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export const VERDICTS: Record<string, string> = {
  confirmed: "the benchmark's best is confirmed", other: "another library does better", none: "none works well",
};

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(3);
  return String(v);
}
