// deepderive web notes: drawing code for the interactive figures (plain JavaScript + SVG).
// The numbers come from functions SymPy printed into each page (shallow_forward, act_relu,
// tan_relu, descent_step, descent_log_loss, regions_pre, likelihood_recipe, ...); this file
// only draws them and never restates a formula. What it computes itself is drawing: the map from data to pixels
// (plot: sx, sy), tick positions, evenly spaced sample points (linspace), cell midpoints and
// colours. The build runs this file in Node.js and compares what it draws with SymPy
// (derivations/documents/web/drawing.py).
"use strict";
const DD = (function () {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  // A plot: an SVG with data ranges xr, yr mapped to a W x H box inside margins.
  function plot(parent, xr, yr, opts) {
    const o = Object.assign({ W: 460, H: 300, m: 36, xlabel: "", ylabel: "" }, opts || {});
    const svg = el("svg", { viewBox: `0 0 ${o.W} ${o.H}`, class: "dd-plot", role: "img" }, parent);
    const sx = (x) => o.m + ((x - xr[0]) / (xr[1] - xr[0])) * (o.W - o.m - 8);
    const sy = (y) => o.H - o.m + 8 - ((y - yr[0]) / (yr[1] - yr[0])) * (o.H - o.m - 8 - 4) - 8;
    const axes = el("g", { class: "axes" }, svg);
    for (const t of ticks(xr)) {
      el("line", { x1: sx(t), x2: sx(t), y1: sy(yr[0]), y2: sy(yr[1]), class: "grid" }, axes);
      el("text", { x: sx(t), y: sy(yr[0]) + 14, "text-anchor": "middle" }, axes).textContent = fmt(t);
    }
    for (const t of ticks(yr)) {
      el("line", { x1: sx(xr[0]), x2: sx(xr[1]), y1: sy(t), y2: sy(t), class: "grid" }, axes);
      el("text", { x: sx(xr[0]) - 4, y: sy(t) + 4, "text-anchor": "end" }, axes).textContent = fmt(t);
    }
    el("rect", { x: sx(xr[0]), y: sy(yr[1]), width: sx(xr[1]) - sx(xr[0]), height: sy(yr[0]) - sy(yr[1]),
                 class: "frame" }, axes);
    if (o.xlabel) el("text", { x: sx(xr[1]), y: o.H - 2, "text-anchor": "end", class: "label" }, axes).textContent = o.xlabel;
    if (o.ylabel) el("text", { x: 2, y: 12, class: "label" }, axes).textContent = o.ylabel;
    const clip = "clip" + Math.random().toString(36).slice(2);
    const defs = el("defs", {}, svg);
    el("rect", { x: sx(xr[0]), y: sy(yr[1]), width: sx(xr[1]) - sx(xr[0]), height: sy(yr[0]) - sy(yr[1]) },
       el("clipPath", { id: clip }, defs));
    const layer = el("g", { "clip-path": `url(#${clip})` }, svg);
    return { svg, layer, sx, sy, xr, yr };
  }

  function ticks(r) {
    const span = r[1] - r[0];
    const step = [0.25, 0.5, 1, 2, 5, 10].find((s) => span / s <= 8) || 10;
    const out = [];
    for (let t = Math.ceil(r[0] / step) * step; t <= r[1] + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e6);
    return out;
  }

  const fmt = (v) => (Math.abs(v) < 1e-12 ? "0" : String(+v.toFixed(2)));

  function curve(p, xs, ys, attrs) {
    const pts = [];
    xs.forEach((x, i) => { if (Number.isFinite(ys[i])) pts.push(`${p.sx(x).toFixed(2)},${p.sy(ys[i]).toFixed(2)}`); });
    return el("polyline", Object.assign({ points: pts.join(" "), fill: "none" }, attrs), p.layer);
  }

  function linspace(a, b, n) { return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1)); }

  // Sliders for cfg.params; onChange(values) is called with {name: number}.
  function sliders(root, params, onChange) {
    const box = root.querySelector(".controls");
    const values = {};
    for (const p of params) {
      const row = document.createElement("label");
      row.className = "slider";
      const name = document.createElement("span");
      name.className = "name";
      name.innerHTML = p.label;
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: p.min, max: p.max, step: p.step, value: p.value });
      input.dataset.param = p.name;
      const out = document.createElement("output");
      values[p.name] = Number(input.value);
      out.textContent = input.value;
      input.addEventListener("input", () => {
        values[p.name] = Number(input.value);
        out.textContent = input.value;
        onChange(values);
      });
      row.append(name, input, out);
      box.appendChild(row);
    }
    return values;
  }

  function readout(root, html) { root.querySelector(".readout").innerHTML = html; }

  // (1) The shallow network: output, weighted hidden units, joints.
  function shallow(id, cfg) {
    const root = document.getElementById(id);
    const forward = window[cfg.forward], joints = window[cfg.joints];
    const names = cfg.params.map((p) => p.name);
    const xs = linspace(cfg.x[0], cfg.x[1], 601);
    const holder = root.querySelector(".plot");
    const p = plot(holder, cfg.x, cfg.y, { xlabel: "x", ylabel: "y" });
    const probeBox = document.createElement("label");
    probeBox.className = "probe";
    const probe = document.createElement("input");
    Object.assign(probe, { type: "number", step: "0.05", className: "probe-x", value: cfg.probe });
    probeBox.append("output at x = ", probe);
    root.querySelector(".controls").appendChild(probeBox);
    function draw(v) {
      while (p.layer.firstChild) p.layer.removeChild(p.layer.firstChild);
      const args = names.map((n) => v[n]);
      const rows = xs.map((x) => forward(x, ...args));
      cfg.weighted.forEach((w, d) => curve(p, xs, rows.map((r) => r[w]),
        { stroke: COLORS[d % COLORS.length], "stroke-width": 1.6, "stroke-dasharray": "5 3", class: "unit" }));
      curve(p, xs, rows.map((r) => r[cfg.output]), { stroke: "#111", "stroke-width": 2.6, class: "output" });
      const js = joints(...args);
      js.forEach((xj, d) => {
        if (!Number.isFinite(xj)) return;
        const yj = forward(xj, ...args)[cfg.output];
        el("line", { x1: p.sx(xj), x2: p.sx(xj), y1: p.sy(cfg.y[0]), y2: p.sy(cfg.y[1]),
                     stroke: COLORS[d % COLORS.length], "stroke-width": 0.8, "stroke-dasharray": "2 3" }, p.layer);
        el("circle", { cx: p.sx(xj), cy: p.sy(yj), r: 4.5, fill: COLORS[d % COLORS.length],
                       class: "joint", "data-unit": d + 1, "data-x": String(xj) }, p.layer);
      });
      const x0 = Number(probe.value);
      const y0 = forward(x0, ...args)[cfg.output];
      el("circle", { cx: p.sx(x0), cy: p.sy(y0), r: 3.5, fill: "#fff", stroke: "#111", class: "probe-point" }, p.layer);
      const jointText = js.map((xj) => (Number.isFinite(xj) ? xj.toFixed(3) : "none")).join(", ");
      readout(root, `<span>y(<span class="probe-x-value">${x0}</span>) = ` +
        `<span class="probe-y" data-value="${y0}">${y0.toPrecision(6)}</span></span>` +
        `<span>joints at x = <span class="joints">${jointText}</span></span>` +
        `<span class="legend">${cfg.unit_labels.map((l, d) =>
          `<span style="color:${COLORS[d % COLORS.length]}">&#9473; ${l}</span>`).join(" ")}` +
        ` <span>&#9473; y</span></span>`);
    }
    const values = sliders(root, cfg.params, draw);
    probe.addEventListener("input", () => draw(values));
    draw(values);
  }

  // (2) Activation functions and their derivatives, with the tangent at z0.
  function activations(id, cfg) {
    const root = document.getElementById(id);
    const controls = root.querySelector(".controls");
    const select = document.createElement("select");
    for (const a of cfg.activations) select.add(new Option(a.name, a.name));
    const selLabel = document.createElement("label");
    selLabel.className = "slider";
    selLabel.append("activation ", select);
    controls.appendChild(selLabel);
    const p = plot(root.querySelector(".plot"), cfg.z, cfg.y, { xlabel: "z" });
    const zs = linspace(cfg.z[0], cfg.z[1], 801);
    function draw(v) {
      while (p.layer.firstChild) p.layer.removeChild(p.layer.firstChild);
      const a = cfg.activations.find((e) => e.name === select.value);
      const f = window[a.fn], df = window[a.dfn], tangent = window[a.tfn];
      curve(p, zs, zs.map(f), { stroke: COLORS[0], "stroke-width": 2.4, class: "activation" });
      curve(p, zs, zs.map(df), { stroke: COLORS[1], "stroke-width": 2, "stroke-dasharray": "6 4", class: "derivative" });
      const z0 = v.z0, y0 = f(z0), s0 = df(z0);
      const zt = [z0 - cfg.tangent_halfwidth, z0 + cfg.tangent_halfwidth];
      curve(p, zt, zt.map((z) => tangent(z, z0)), { stroke: "#555", "stroke-width": 1.2, class: "tangent" });
      el("circle", { cx: p.sx(z0), cy: p.sy(y0), r: 4, fill: COLORS[0], class: "touch" }, p.layer);
      readout(root, `<span style="color:${COLORS[0]}">a(${z0}) = <span class="act-value">${y0.toPrecision(6)}</span></span>` +
        `<span style="color:${COLORS[1]}">a'(${z0}) = <span class="dact-value">${s0.toPrecision(6)}</span></span>`);
    }
    const values = sliders(root, [{ name: "z0", label: "z<sub>0</sub>", min: cfg.z[0], max: cfg.z[1], step: 0.05,
                                    value: cfg.z0 }], draw);
    select.addEventListener("change", () => draw(values));
    draw(values);
  }

  // (3) Gradient descent on the 1-D regression loss: heat map, iterates, fitted lines.
  function descent(id, cfg) {
    const root = document.getElementById(id);
    const loss = window[cfg.loss], logLoss = window[cfg.log_loss], step = window[cfg.step], model = window[cfg.model];
    const holder = root.querySelector(".plot");
    const left = plot(holder, cfg.phi0, cfg.phi1, { W: 360, H: 300, xlabel: "φ₀", ylabel: "φ₁" });
    const xr = cfg.x, yr = cfg.y;
    const right = plot(holder, xr, yr, { W: 360, H: 300, xlabel: "x", ylabel: "y" });
    // loss surface: log-spaced colour levels on a grid of cells
    const n = 48, heat = el("g", { class: "cells" }, left.layer);
    const c0 = linspace(cfg.phi0[0], cfg.phi0[1], n + 1), c1 = linspace(cfg.phi1[0], cfg.phi1[1], n + 1);
    let lo = Infinity, hi = -Infinity;
    const cells = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const v = logLoss((c0[i] + c0[i + 1]) / 2, (c1[j] + c1[j + 1]) / 2);
      lo = Math.min(lo, v); hi = Math.max(hi, v); cells.push([i, j, v]);
    }
    for (const [i, j, v] of cells) {
      const t = (v - lo) / (hi - lo);
      el("rect", { x: left.sx(c0[i]), y: left.sy(c1[j + 1]), width: left.sx(c0[i + 1]) - left.sx(c0[i]) + 0.5,
                   height: left.sy(c1[j]) - left.sy(c1[j + 1]) + 0.5,
                   fill: `hsl(${220 - 180 * t}, 70%, ${92 - 40 * t}%)` }, heat);
    }
    const path = el("g", {}, left.layer), lines = el("g", {}, right.layer);
    for (const [x, y] of cfg.data) el("circle", { cx: right.sx(x), cy: right.sy(y), r: 4, fill: "#111", class: "datum" },
                                      right.layer);
    function draw(v) {
      while (path.firstChild) path.removeChild(path.firstChild);
      while (lines.firstChild) lines.removeChild(lines.firstChild);
      let phi = cfg.start.slice();
      const it = [phi];
      for (let t = 0; t < v.steps; t++) { phi = step(phi[0], phi[1], v.alpha); it.push(phi); }
      // into the cleared path layer (drawn on left.layer, every old path would stay on the plot)
      curve({ ...left, layer: path }, it.map((q) => q[0]), it.map((q) => q[1]),
        { stroke: "#111", "stroke-width": 1.4, class: "iterates" });
      it.forEach((q, k) => { if (Number.isFinite(q[0] + q[1])) el("circle", { cx: left.sx(q[0]), cy: left.sy(q[1]),
        r: k === 0 || k === it.length - 1 ? 4 : 2, fill: k === it.length - 1 ? "#d62728" : "#111" }, path); });
      const xs = linspace(xr[0], xr[1], 2);
      curve({ ...right, layer: lines }, xs, xs.map((x) => model(x, ...cfg.start)), { stroke: "#999", "stroke-width": 1.5,
        "stroke-dasharray": "5 3", class: "start-model" });
      curve({ ...right, layer: lines }, xs, xs.map((x) => model(x, ...phi)), { stroke: "#d62728", "stroke-width": 2.2,
        class: "model" });
      const L = loss(phi[0], phi[1]);
      // the verdict is the caption's checked threshold (cfg.threshold, 2/lambda_max), not a guess from L
      const verdict = v.alpha < cfg.threshold ? cfg.words.below : cfg.words.above;
      readout(root, `<span>φ<sup>[${v.steps}]</sup> = (<span class="phi-value">${phi[0].toPrecision(6)}</span>, ` +
        `<span class="phi-value">${phi[1].toPrecision(6)}</span>)</span>` +
        `<span>L = <span class="loss-value">${L.toPrecision(6)}</span></span>` +
        `<span class="verdict">${verdict}</span>`);
    }
    draw(sliders(root, cfg.params, draw));
  }

  // (4) Linear regions of a two-input network: each grid cell coloured by its pattern.
  function regions(id, cfg) {
    const root = document.getElementById(id);
    const pre = window[cfg.pre];
    const names = cfg.params.map((p) => p.name);
    const p = plot(root.querySelector(".plot"), cfg.x, cfg.x, { W: 360, H: 340, xlabel: "x₁", ylabel: "x₂" });
    const n = cfg.cells, c = linspace(cfg.x[0], cfg.x[1], n + 1), w = p.sx(c[1]) - p.sx(c[0]);
    // one opacity for the whole layer: cells overlap by a fraction of a pixel, and per-cell
    // opacity would draw each overlap darker (a grid of seams)
    const rects = [], cells = el("g", { class: "cells", opacity: 0.55 }, p.layer);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++)
      rects.push([el("rect", { x: p.sx(c[i]), y: p.sy(c[j + 1]), width: w + 0.4, height: w + 0.4 }, cells),
                  (c[i] + c[i + 1]) / 2, (c[j] + c[j + 1]) / 2]);
    function draw(v) {
      const args = names.map((k) => v[k]);
      const seen = new Set();
      for (const [r, x1, x2] of rects) {
        const f = pre(x1, x2, ...args);
        let code = 0;  // the pattern: which units' printed slopes a'[f_d] are nonzero
        cfg.slopes.forEach((s, d) => { if (f[s] !== 0) code |= 1 << d; });
        seen.add(code);
        r.setAttribute("fill", COLORS[code % COLORS.length]);
      }
      readout(root, `<span><span class="region-count">${seen.size}</span> patterns of active units seen on the ` +
        `${n}&times;${n} grid (at most ${cfg.max_regions} regions)</span>`);
    }
    draw(sliders(root, cfg.params, draw));
  }

  // (5) The maximum-likelihood recipe: the density over the targets, its values there (the
  // likelihood's terms), their product and the negative log-likelihood against the prediction f.
  function likelihood(id, cfg) {
    const root = document.getElementById(id);
    const density = window[cfg.density_fn], recipe = window[cfg.recipe];
    const holder = root.querySelector(".plot");
    const left = plot(holder, cfg.y, cfg.density, { W: 360, H: 300, xlabel: "y", ylabel: "density" });
    const right = plot(holder, cfg.f, cfg.nll, { W: 360, H: 300, xlabel: "f", ylabel: "L" });
    const ys = linspace(cfg.y[0], cfg.y[1], 551), fs = linspace(cfg.f[0], cfg.f[1], 401);
    const terms = el("g", {}, left.layer), loss = el("g", {}, right.layer);
    // the minimiser the caption states (checked there), and the targets on the y axis
    el("line", { x1: right.sx(cfg.minimiser), x2: right.sx(cfg.minimiser), y1: right.sy(cfg.nll[0]),
                 y2: right.sy(cfg.nll[1]), stroke: "#999", "stroke-width": 1, "stroke-dasharray": "4 3",
                 class: "minimiser" }, right.layer);
    for (const t of cfg.targets) el("circle", { cx: left.sx(t), cy: left.sy(0), r: 4, fill: "#111", class: "datum" },
                                    left.layer);
    function draw(v) {
      while (terms.firstChild) terms.removeChild(terms.firstChild);
      while (loss.firstChild) loss.removeChild(loss.firstChild);
      const at = recipe(v.f, v.sigma);
      curve({ ...left, layer: terms }, ys, ys.map((y) => density(y, v.f, v.sigma)),
        { stroke: COLORS[0], "stroke-width": 2.2, class: "density" });
      el("line", { x1: left.sx(v.f), x2: left.sx(v.f), y1: left.sy(cfg.density[0]), y2: left.sy(cfg.density[1]),
                   stroke: COLORS[0], "stroke-width": 0.8, "stroke-dasharray": "2 3", class: "prediction" }, terms);
      cfg.targets.forEach((t, i) => {
        const p = at[cfg.term_keys[i]], c = COLORS[(i + 1) % COLORS.length];
        el("line", { x1: left.sx(t), x2: left.sx(t), y1: left.sy(0), y2: left.sy(p), stroke: c, "stroke-width": 2,
                     class: "stem", "data-index": i + 1 }, terms);
        el("circle", { cx: left.sx(t), cy: left.sy(p), r: 4, fill: c, class: "term", "data-index": i + 1 }, terms);
      });
      curve({ ...right, layer: loss }, fs, fs.map((f) => recipe(f, v.sigma)[cfg.loss_key]),
        { stroke: "#111", "stroke-width": 2.2, class: "nll" });
      el("circle", { cx: right.sx(v.f), cy: right.sy(at[cfg.loss_key]), r: 4.5, fill: COLORS[1], class: "current" }, loss);
      readout(root, cfg.term_keys.map((name, i) => `<span style="color:${COLORS[(i + 1) % COLORS.length]}">` +
        `${cfg.term_labels[i]} = <span class="term-value">${at[name].toPrecision(4)}</span></span>`).join("") +
        `<span>likelihood ${cfg.likelihood_label} = <span class="likelihood-value">${at[cfg.likelihood_key].toPrecision(4)}` +
        `</span></span><span>negative log-likelihood ${cfg.loss_label} = ` +
        `<span class="nll-value">${at[cfg.loss_key].toPrecision(6)}</span></span>`);
    }
    draw(sliders(root, cfg.params, draw));
  }

  return { shallow, activations, descent, regions, likelihood };
})();
