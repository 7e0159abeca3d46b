// The config editor: CodeMirror 6 with YAML highlighting and the server's diagnostics, bundled at build
// time by addon/scripts/build-www.mjs into www/dist/editor.js (no CDN: the panel works offline and under
// Ingress). config.js talks to the server; this file only knows the editor.
import { basicSetup } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { oneDark } from '@codemirror/theme-one-dark';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, keymap } from '@codemirror/view';
import { indentWithTab } from '@codemirror/commands';
import { lintGutter, setDiagnostics } from '@codemirror/lint';

/**
 * Creates the editor in `parent`. `onChange(text)` runs after each edit; `onSave()` on Ctrl/Cmd-S.
 * Returns a small handle so the page never touches CodeMirror itself.
 */
export function createEditor(parent, { text = '', dark = false, onChange = () => {}, onSave = () => {} } = {}) {
  const theme = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        yaml(),
        lintGutter(),
        keymap.of([indentWithTab, { key: 'Mod-s', preventDefault: true, run: () => (onSave(), true) }]),
        theme.of(dark ? oneDark : []),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
        EditorView.theme({ '&': { height: '100%' }, '.cm-scroller': { overflow: 'auto' } }),
      ],
    }),
  });

  return {
    view,
    getText: () => view.state.doc.toString(),
    setText(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    setDark(on) {
      view.dispatch({ effects: theme.reconfigure(on ? oneDark : []) });
    },
    /**
     * Marks problems `{line, column, path, message, severity}` (1-based line and column, as the server
     * reports them); a problem without a line is put on the first line.
     */
    setProblems(problems) {
      const doc = view.state.doc;
      const diagnostics = problems.map((p) => {
        const lineNo = Math.min(Math.max(p.line ?? 1, 1), doc.lines);
        const line = doc.line(lineNo);
        const from = Math.min(line.from + Math.max((p.column ?? 1) - 1, 0), line.to);
        const to = from < line.to ? line.to : from;
        return {
          from,
          to,
          severity: p.severity ?? 'error',
          message: p.path ? `${p.path}: ${p.message}` : p.message,
        };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    /** Moves the cursor to a line and scrolls it into view. */
    goToLine(lineNo) {
      const line = view.state.doc.line(Math.min(Math.max(lineNo, 1), view.state.doc.lines));
      view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
      view.focus();
    },
  };
}
