// A transcript of Python's output: stdout and stderr as they stream in, reprs of results,
// tracebacks whose lines in the user's file are links to the editor, pictures from
// display(), and notices from the page. The output pane and the console each have one.

export class Transcript {
  constructor(element, { onLineLink = null } = {}) {
    this.element = element;
    this.onLineLink = onLineLink;
    // Follows new output unless the reader scrolled up to read something.
    // Content that grows after layout (a late font) must not count as scrolling up.
    this.following = true;
    this.lastTop = 0;
    element.addEventListener("scroll", () => {
      if (element.scrollTop < this.lastTop - 4) this.following = false;
      else if (element.scrollHeight - element.scrollTop - element.clientHeight < 40) this.following = true;
      this.lastTop = element.scrollTop;
    });
  }

  _follow() {
    if (this.following) this.element.scrollTop = this.element.scrollHeight;
  }

  _append(node) {
    this.element.append(node);
    this._follow();
    return node;
  }

  _block(className, text) {
    const block = document.createElement("div");
    block.className = className;
    if (text !== undefined) block.textContent = text;
    return this._append(block);
  }

  clear() {
    this.element.replaceChildren();
    this.following = true;
    this.lastTop = 0;
  }

  // Streamed text joins the previous chunk of the same stream, so that lines printed in
  // pieces (an epoch's progress) read as one.
  stream(name, text) {
    let block = this.element.lastElementChild;
    if (!block || block.dataset.stream !== name) {
      block = this._block(`stream ${name}`);
      block.dataset.stream = name;
    }
    this._write(block, text);
    this._follow();
  }

  // As a terminal shows it: after a "\r", the next text replaces the current line (a
  // progress bar redrawn in place). The current line is kept as the block's last text node.
  _write(block, text) {
    text = text.replace(/\r+\n/g, "\n");
    let line = block.lastChild;
    if (!line || line.nodeType !== Node.TEXT_NODE || line.data.endsWith("\n")) line = block.appendChild(document.createTextNode(""));
    text.split("\n").forEach((part, index) => {
      if (index > 0) {
        line.data += "\n";
        line = block.appendChild(document.createTextNode(""));
        block.returned = false;
      }
      part.split("\r").forEach((piece, at) => {
        if (at > 0) block.returned = true;
        if (!piece) return;
        if (block.returned) line.data = "";
        block.returned = false;
        line.data += piece;
      });
    });
  }

  heading(text) {
    this._block("run-heading", text);
  }

  echo(prompt, text) {
    const block = this._block("echo");
    const mark = document.createElement("span");
    mark.className = "prompt";
    mark.textContent = prompt;
    block.append(mark, text);
    this._follow();
  }

  result(text) {
    this._block("result", text);
  }

  notice(text, { error = false } = {}) {
    const block = this._block(error ? "notice error" : "notice", text);
    block.setAttribute("role", error ? "alert" : "status");
  }

  // A traceback, with `File "<filename>", line N` made a link to line N of the editor.
  error(error, filename) {
    const block = this._block("traceback stream stderr");
    const text = error.traceback || `${error.type}: ${error.message}`;
    const pattern = /File "([^"]+)", line (\d+)/g;
    let last = 0;
    let lastLine = null;
    for (const match of text.matchAll(pattern)) {
      if (match[1] !== filename || !this.onLineLink) continue;
      block.append(text.slice(last, match.index));
      const link = document.createElement("a");
      const line = Number(match[2]);
      link.href = "#";
      link.className = "line-link";
      link.dataset.line = String(line);
      link.textContent = match[0];
      link.title = `Show line ${line} in the editor`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.onLineLink(line);
      });
      block.append(link);
      last = match.index + match[0].length;
      lastLine = line;
    }
    block.append(text.slice(last));
    this._follow(); // the block was empty when it was appended
    return lastLine; // the innermost line of the user's file
  }

  // What display() sent: a picture (RGBA pixels or a PNG) or a repr.
  display(payload) {
    const figure = document.createElement("figure");
    figure.className = "display";
    if (payload.kind === "image") {
      const canvas = document.createElement("canvas");
      canvas.width = payload.width;
      canvas.height = payload.height;
      const pixels = new ImageData(new Uint8ClampedArray(payload.rgba.buffer, payload.rgba.byteOffset, payload.rgba.byteLength), payload.width, payload.height);
      canvas.getContext("2d").putImageData(pixels, 0, 0);
      // Small pictures (an 8x8 digit) are scaled up, with sharp pixels.
      const scale = Math.max(1, Math.floor(160 / Math.max(payload.width, payload.height)));
      canvas.style.width = `${payload.width * scale}px`;
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", payload.title || `image ${payload.width}×${payload.height}`);
      figure.append(canvas);
    } else if (payload.kind === "png") {
      const image = document.createElement("img");
      image.src = URL.createObjectURL(new Blob([payload.png], { type: "image/png" }));
      image.alt = payload.title || "figure";
      figure.append(image);
    } else {
      const text = document.createElement("pre");
      text.textContent = payload.text;
      figure.append(text);
    }
    if (payload.title) {
      const caption = document.createElement("figcaption");
      caption.textContent = payload.title;
      figure.append(caption);
    }
    this._append(figure);
  }
}
