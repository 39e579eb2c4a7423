// The page side of pyapp.vis: Python (in the worker) posts chart data with
// pyappSend("vis", payload); here tfjs-vis draws it into the visor, the panel the user can
// hide (its Hide button or the ` key). Messages:
//
//   {op: "render", kind, surface: {name, tab}, chart, data, options}  draw or replace a chart
//   {op: "append", surface, points: {chart: {series: [y, ...]}}}      more points on line charts
//   {op: "visor", open: true | false}
//
// Each chart gets a <div data-chart data-surface data-tab> inside its surface, with
// data-kind and data-points (how many values it shows) for tests and assistive tools. Redraws are throttled: tfjs-vis
// rebuilds a vega view per draw, and on the main thread that takes CPU from training in the
// worker (measured on 2 busy cores: redrawing every 250 ms made fit 1.5x slower, every
// second about 1.05x). The session object outlives worker restarts, so charts keep
// working after Stop restarts Python.

const REDRAW_MS = 1000;

// tfjs-vis (with vega, about 1 MB) is loaded when a chart or the Charts button first needs
// it, not with the page: evaluating it takes about 110 ms of the main thread, and from disk
// the main thread is what hands Python's files to the worker as it starts.
const VIS_SCRIPT = "vendor/tfjs-vis.umd.min.js";
let visLoading = null;

function loadVis() {
  visLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = VIS_SCRIPT;
    script.onload = () => resolve(self.tfvis);
    script.onerror = () => reject(new Error(`tfjs-vis (${VIS_SCRIPT}) is not in this build of the app: charts cannot be drawn`));
    document.head.appendChild(script);
  });
  return visLoading;
}

const renderers = {
  scatterplot: (vis, el, data, options) => vis.render.scatterplot(el, data, options),
  linechart: (vis, el, data, options) => vis.render.linechart(el, evenSeries(data), options),
  histogram: (vis, el, data, options) => vis.render.histogram(el, data, options),
  barchart: (vis, el, data, options) => vis.render.barchart(el, data, options),
  table: (vis, el, data) => vis.render.table(el, data),
  confusionMatrix: (vis, el, data, options) => vis.render.confusionMatrix(el, data, options),
  perClassAccuracy: (vis, el, data) => vis.show.perClassAccuracy(el, data.classAccuracy, data.classLabels),
};

function countPoints(kind, data) {
  switch (kind) {
    case "scatterplot":
    case "linechart":
      return data.values.reduce((sum, series) => sum + series.length, 0);
    case "table":
      return data.values.length;
    case "confusionMatrix":
      return data.values.flat().reduce((sum, value) => sum + value, 0);
    case "perClassAccuracy":
      return data.classAccuracy.length;
    default:
      return data.length;
  }
}

// tfjs-vis's linechart reads every series at every index of the first: leave out empty
// series (val_loss when fit has no validation data) and pad short ones with gaps.
function evenSeries({ values, series }) {
  const kept = values.map((points, index) => [points, series[index]]).filter(([points]) => points.length);
  const length = Math.max(...kept.map(([points]) => points.length));
  const padded = kept.map(([points]) => points.concat(Array.from({ length: length - points.length },
    (_, i) => ({ x: points.length + i, y: null }))));
  return { values: padded, series: kept.map(([, name]) => name) };
}

// A line chart with no points yet cannot be drawn by tfjs-vis (it reads values[0]).
function drawable(kind, data) {
  return !(kind === "linechart" || kind === "scatterplot") || data.values.some((series) => series.length > 0);
}

// The Charts button shows and hides the visor, and says whether it is open however it was
// opened or closed (the button, pyapp.vis.show_visor(), its Hide button, the ` key, a chart
// drawn). tfjs-vis has no event for that; it marks its visor element with data-isopen.
// On a wide screen the open visor is docked: the IDE gives it its width (--visor-width)
// instead of being covered by it, toolbar and Charts button included.
function mountChartsButton(button, vis, notice) {
  const sync = () => {
    const panel = document.querySelector("#tfjs-visor-container .visor");
    const open = Boolean(panel) && vis().visor().isOpen();
    button.setAttribute("aria-pressed", String(open));
    const docked = open && panel.dataset.isfullscreen !== "true";
    document.documentElement.style.setProperty("--visor-width", docked ? `${panel.offsetWidth}px` : "0px");
  };
  // tfjs-vis adds its container to <body> when the visor is first used.
  const waitForVisor = new MutationObserver(() => {
    const container = document.getElementById("tfjs-visor-container");
    if (!container) return;
    waitForVisor.disconnect();
    // Attributes only: a chart drawn (many nodes added) is no reason to look again.
    new MutationObserver(sync).observe(container, { subtree: true, attributeFilter: ["data-isopen", "data-isfullscreen"] });
    container.addEventListener("transitionend", sync); // its width once Maximize's animation ends
    sync();
    // Its ` shortcut listens on the whole document, so a backtick typed in the editor or the
    // console would toggle it too: the same shortcut, outside text fields.
    vis().visor().unbindKeys();
    document.addEventListener("keydown", (event) => {
      if (event.key !== "`" || event.ctrlKey || event.altKey || event.metaKey || typingIn(event.target)) return;
      if (event.shiftKey) vis().visor().toggleFullScreen();
      else vis().visor().toggle();
    });
  });
  waitForVisor.observe(document.body, { childList: true });
  button.addEventListener("click", () => loadVis().then(() => {
    const firstUse = !document.getElementById("tfjs-visor-container");
    const visor = vis().visor(); // made open on first use, so toggling then would close it
    if (!firstUse) visor.toggle();
  }, (error) => notice(error.message)));
}

function typingIn(element) {
  return Boolean(element && element.closest && element.closest("input, textarea, select, [contenteditable]"));
}

export function mountCharts(session, { button, notice }) {
  const charts = new Map();
  const keyOf = (surface, chart) => JSON.stringify([surface.tab, surface.name, chart]);

  const vis = () => self.tfvis; // (called once loadVis() has resolved)
  mountChartsButton(button, vis, notice);

  function elementFor(state) {
    const { drawArea } = vis().visor().surface(state.surface);
    let element = [...drawArea.children].find((child) => child.dataset.chart === state.chart);
    if (!element) {
      element = document.createElement("div");
      element.dataset.chart = state.chart;
      element.dataset.surface = state.surface.name;
      element.dataset.tab = state.surface.tab;
      // Several charts share a surface (a metric each, a weight array each): name them.
      if (state.chart !== "chart") {
        const caption = document.createElement("div");
        caption.textContent = state.chart;
        caption.style.cssText = "font: 600 13px sans-serif; margin: 8px 0 2px";
        element.appendChild(caption);
      }
      element.appendChild(document.createElement("div"));
      drawArea.appendChild(element);
    }
    return element;
  }

  async function draw(state) {
    state.dirty = false;
    state.drawing = true;
    try {
      const element = elementFor(state);
      element.dataset.kind = state.kind;
      element.dataset.points = String(countPoints(state.kind, state.data));
      if (drawable(state.kind, state.data)) {
        await renderers[state.kind](vis(), element.lastChild, state.data, state.options);
      }
      element.dataset.draws = String(Number(element.dataset.draws || 0) + 1);
    } catch (error) {
      console.error(`pyapp.vis could not draw ${state.kind} "${state.chart}" in "${state.surface.name}":`, error);
    } finally {
      state.drawing = false;
      state.drawnAt = performance.now();
      if (state.dirty) schedule(state);
    }
  }

  function schedule(state) {
    if (state.drawing) {
      state.dirty = true;
      return;
    }
    if (state.timer) return;
    const wait = Math.max(0, (state.drawnAt || -Infinity) + REDRAW_MS - performance.now());
    state.timer = setTimeout(() => {
      state.timer = null;
      draw(state);
    }, wait);
  }

  function render({ kind, surface, chart, data, options }) {
    if (!renderers[kind]) throw new Error(`pyapp.vis: unknown chart kind "${kind}"`);
    const key = keyOf(surface, chart);
    const state = charts.get(key) || { surface, chart };
    Object.assign(state, { kind, data, options: options || {} });
    charts.set(key, state);
    // Show the tab of the chart just drawn (tfjs-vis shows the first tab made).
    vis().visor().surface(surface);
    vis().visor().setActiveTab(surface.tab);
    schedule(state);
  }

  function append({ surface, points }) {
    for (const [chart, bySeries] of Object.entries(points)) {
      const state = charts.get(keyOf(surface, chart));
      if (!state || state.kind !== "linechart") continue;
      for (const [series, ys] of Object.entries(bySeries)) {
        const index = state.data.series.indexOf(series);
        if (index < 0) continue;
        const values = state.data.values[index];
        for (const y of ys) values.push({ x: values.length, y });
      }
      schedule(state);
    }
  }

  // In the order they came: each waits on the one load of tfjs-vis.
  session.addEventListener("message:vis", ({ detail }) => loadVis().then(() => {
    if (detail.op === "render") render(detail);
    else if (detail.op === "append") append(detail);
    else if (detail.op === "visor") detail.open ? vis().visor().open() : vis().visor().close();
  }).catch((error) => console.error("pyapp.vis:", error)));
  return charts;
}
