// Quick fixes for the nanoforge diagnostics whose fix is mechanical.
import * as vscode from "vscode";
import { quickFix } from "./logic";

export class QuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    for (const d of ctx.diagnostics) {
      if (d.source !== "nanoforge" || typeof d.code !== "string") continue;
      const line = d.range.start.line;
      const text = doc.lineAt(line).text;
      const hint = d.message.split("\nfix: ")[1] ?? "";
      const reference = this.cleanLine(doc, line);
      const fix = quickFix(d.code, line, text, hint, reference,
                           d.range.start.line === d.range.end.line ? [d.range.start.character, d.range.end.character] : undefined);
      if (!fix) continue;
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      const edit = new vscode.WorkspaceEdit();
      if (fix.newText === null) {
        edit.delete(doc.uri, doc.lineAt(line).rangeIncludingLineBreak);
      } else if (fix.range) {
        edit.replace(doc.uri, new vscode.Range(line, fix.range[0], line, fix.range[1]), fix.newText);
      } else {
        edit.replace(doc.uri, doc.lineAt(line).range, fix.newText);
      }
      action.edit = edit;
      out.push(action);
    }
    return out;
  }

  /** Another line of the file, to learn its separator from. */
  private cleanLine(doc: vscode.TextDocument, except: number): string | undefined {
    for (let i = 0; i < Math.min(doc.lineCount, 50); i++) {
      const t = doc.lineAt(i).text;
      if (i !== except && /^[-+\d.eE,;\t ]+$/.test(t) && t.trim()) return t;
    }
    return undefined;
  }
}
