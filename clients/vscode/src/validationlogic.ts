// What the validation view decides, free of the `vscode` module so that unit tests run in
// plain Node: which files a quick pick offers first, which class a file probably holds.
import * as path from "node:path";
import type { SignalFileInfo } from "./protocol";

/** A file of the project a quick pick offers: its path from the project, what the project
 *  says of it (its role in nanoforge.toml), project signal files last (they trained it). */
export interface FileItem {
  label: string;
  description: string;
  file: string;
}

export function fileItems(project: string, files: string[], signals: Pick<SignalFileInfo, "path" | "role">[]): FileItem[] {
  const roles = new Map(signals.map((s) => [path.resolve(s.path), s.role]));
  return files.map((f) => ({ f, role: roles.get(path.resolve(f)) }))
    .sort((a, b) => Number(a.role !== undefined) - Number(b.role !== undefined) || a.f.localeCompare(b.f))
    .map(({ f, role }) => ({ label: path.relative(project, f) || path.basename(f), file: f,
                             description: role === undefined ? "" : `training file (${role})` }));
}

/** The classes in the order to offer them for `file`: the class the project trains on this
 *  file, then classes its name contains, then the rest. */
export function classOrder(file: string, signals: Pick<SignalFileInfo, "path" | "role">[]): string[] {
  const classes = [...new Set(signals.map((s) => s.role))];
  const own = signals.find((s) => path.resolve(s.path) === path.resolve(file))?.role;
  const name = path.basename(file).toLowerCase();
  const rank = (c: string) => (c === own ? 0 : name.includes(c.toLowerCase()) ? 1 : 2);
  return classes.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
}
