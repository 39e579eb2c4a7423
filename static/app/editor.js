// The code editor: CodeMirror 6 with Python highlighting, line numbers, bracket matching,
// search, undo, indentation (Tab indents; Escape then Tab moves on, for keyboard users),
// and completion from the live Python session. Ctrl/Cmd+Enter runs the file,
// Shift+Enter the selection or the current line.
import { basicSetup } from "codemirror";
import { EditorView, keymap, Decoration } from "@codemirror/view";
import { EditorState, StateEffect, StateField, Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { python, pythonLanguage } from "@codemirror/lang-python";
import { syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";

// The line an error was raised on, marked until the text changes.
const setErrorLine = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    if (transaction.docChanged) return Decoration.none;
    for (const effect of transaction.effects) {
      if (effect.is(setErrorLine)) {
        if (effect.value === null) return Decoration.none;
        const line = transaction.state.doc.line(effect.value);
        return Decoration.set([Decoration.line({ class: "cm-error-line" }).range(line.from)]);
      }
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// Completion from the session's names (what the editor's runs and the console defined,
// and attributes of live objects), beside CodeMirror's own keywords and local names.
// Python may be busy running: then there is no answer in time, and no list.
function liveCompletion(session) {
  return async (context) => {
    const word = context.matchBefore(/[\w.]+/);
    if (!word && !context.explicit) return null;
    if (session.state !== "idle") return null;
    const line = context.state.doc.lineAt(context.pos);
    const source = line.text.slice(0, context.pos - line.from);
    const reply = await Promise.race([session.complete(source), new Promise((resolve) => setTimeout(resolve, 800, null))]);
    if (!reply || !reply.completions || reply.completions.length === 0 || context.aborted) return null;
    // rlcompleter completes whole dotted words ("np.arange("): offer the last part.
    const typed = source.slice(reply.start);
    const from = line.from + reply.start + typed.lastIndexOf(".") + 1;
    const options = reply.completions.map((text) => {
      const callable = text.endsWith("(");
      const name = text.slice(text.lastIndexOf(".", text.length - 2) + 1).replace(/\($/, "");
      return { label: name, type: callable ? "function" : "variable", boost: 1 };
    });
    return { from, options, validFor: /^\w*$/ };
  };
}

// Common leading whitespace removed, so that an indented selection runs on its own.
function dedent(text) {
  const lines = text.split("\n");
  const indents = lines.filter((line) => line.trim()).map((line) => line.match(/^[ \t]*/)[0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common)).join("\n");
}

export class CodeEditor extends EventTarget {
  constructor(parent, session, { onRun, onRunPart }) {
    super();
    this.session = session;
    this.view = new EditorView({
      parent,
      state: this._state(""),
      dispatch: (transaction, view) => {
        view.update([transaction]);
        if (transaction.docChanged) this.dispatchEvent(new Event("change"));
      },
    });
    this.onRun = onRun;
    this.onRunPart = onRunPart;
  }

  _state(text) {
    const runKeys = Prec.highest(
      keymap.of([
        { key: "Mod-Enter", run: () => (this.onRun(), true) },
        { key: "Shift-Enter", run: () => (this.runSelectionOrLine(), true) },
      ]),
    );
    return EditorState.create({
      doc: text,
      extensions: [
        runKeys,
        basicSetup,
        keymap.of([indentWithTab]),
        python(),
        pythonLanguage.data.of({ autocomplete: liveCompletion(this.session) }),
        syntaxHighlighting(classHighlighter),
        errorLine,
        EditorView.lineWrapping, // long lines stay readable on a phone, no sideways scrolling
        EditorView.contentAttributes.of({ "aria-label": "Python code editor" }),
      ],
    });
  }

  get text() {
    return this.view.state.doc.toString();
  }

  // A new document (another file): its own undo history.
  load(text) {
    this.view.setState(this._state(text));
  }

  focus() {
    this.view.focus();
  }

  // The selection, or else the current line (and the cursor moves to the next line, as
  // in a notebook). The code keeps its line numbers: blank lines stand for those above,
  // so a traceback's line is the editor's line.
  runSelectionOrLine() {
    const { state } = this.view;
    const range = state.selection.main;
    let from = range.from;
    let to = range.to;
    if (range.empty) {
      const line = state.doc.lineAt(range.head);
      from = line.from;
      to = line.to;
      const next = Math.min(line.number + 1, state.doc.lines);
      this.view.dispatch({ selection: { anchor: state.doc.line(next).from }, scrollIntoView: true });
    }
    const firstLine = state.doc.lineAt(from).number;
    const code = "\n".repeat(firstLine - 1) + dedent(state.sliceDoc(state.doc.lineAt(from).from, to));
    this.onRunPart(code);
  }

  // Puts the cursor on line `number` (1-based), marks it, shows it, focuses the editor.
  goToLine(number) {
    const { doc } = this.view.state;
    const line = doc.line(Math.max(1, Math.min(number, doc.lines)));
    this.view.dispatch({
      selection: { anchor: line.from, head: line.to },
      effects: [setErrorLine.of(line.number), EditorView.scrollIntoView(line.from, { y: "center" })],
    });
    this.view.focus();
  }

  markErrorLine(number) {
    const { doc } = this.view.state;
    if (number < 1 || number > doc.lines) return;
    this.view.dispatch({ effects: setErrorLine.of(number) });
  }
}
