// ebb's chart glue: draws a workload's load and replica series with uPlot (served from
// /vendor, installed from the npm registry), marks every decision, and draws the forecast:
// past forecasts against the instances the load needed, and the band ahead of now. The page (Rust/wasm)
// calls window.ebbChart.draw(element, json) after hydration and on every live update.
(function () {
  "use strict";
  var charts = new WeakMap();

  function css(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  // Columns on one time axis: the evaluations (load, target, demand, replicas, the instances
  // the load needed), each stored forecast at the end of its span (past forecasts against
  // what happened), and the forecast ahead of now (median and the policy's quantile).
  var COLS = 10;
  function toColumns(spec) {
    var rows = new Map();
    function row(x) {
      var r = rows.get(x);
      if (!r) { r = new Array(COLS).fill(null); rows.set(x, r); }
      return r;
    }
    spec.points.forEach(function (p) {
      var x = Date.parse(p.at) / 1000, r = row(x);
      r[0] = p.load; r[1] = spec.target; r[2] = p.demand;
      r[3] = p.current; r[4] = p.desired; r[5] = p.ready; r[6] = p.need;
      if (p.forecast_need != null && p.forecast_lead != null) {
        var f = row(x + p.forecast_lead);
        f[7] = f[7] == null ? p.forecast_need : Math.max(f[7], p.forecast_need);
      }
    });
    var ahead = (spec.outlook && spec.outlook.points) || [];
    ahead.forEach(function (o) {
      var r = row(Date.parse(o.at) / 1000);
      r[8] = o.median; r[9] = o.high;
    });
    var xs = Array.from(rows.keys()).sort(function (a, b) { return a - b; });
    var cols = [xs];
    for (var i = 0; i < COLS; i++) cols.push(xs.map(function (x) { return rows.get(x)[i]; }));
    return cols;
  }

  function quantileLabel(spec) {
    var q = spec.outlook && spec.outlook.quantile;
    return q ? "forecast p" + Math.round(q * 100) : "forecast (quantile)";
  }

  // Vertical lines at decisions; the tooltip shows the nearest one's sentence.
  function markerPlugin(getSpec, tip) {
    return {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          getSpec().markers.forEach(function (m) {
            var x = u.valToPos(Date.parse(m.at) / 1000, "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.save();
            ctx.strokeStyle = m.direction === "up" ? css("--up", "#1f6feb")
              : m.direction === "down" ? css("--down", "#8250df") : css("--muted", "#888");
            ctx.globalAlpha = m.outcome === "none" ? 0.35 : 0.9;
            ctx.setLineDash(m.outcome === "none" ? [3, 3] : []);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + h);
            ctx.stroke();
            ctx.restore();
          });
        },
        setCursor: function (u) {
          var left = u.cursor.left;
          if (left == null || left < 0) { tip.hidden = true; return; }
          var best = null, bestDist = 8;
          getSpec().markers.forEach(function (m) {
            var d = Math.abs(u.valToPos(Date.parse(m.at) / 1000, "x") - left);
            if (d < bestDist) { best = m; bestDist = d; }
          });
          if (!best) { tip.hidden = true; return; }
          tip.hidden = false;
          tip.textContent = new Date(best.at).toLocaleString() + " — " + best.sentence;
        }
      }
    };
  }

  function options(el, getSpec, tip) {
    var width = Math.max(300, el.clientWidth);
    return {
      width: width,
      height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, load: { auto: true }, replicas: { auto: true } },
      axes: [
        { stroke: css("--muted", "#666"), grid: { stroke: css("--border", "#ddd") } },
        { scale: "load", label: "load", stroke: css("--muted", "#666"), grid: { stroke: css("--border", "#ddd") } },
        { scale: "replicas", label: "replicas", side: 1, stroke: css("--muted", "#666"), grid: { show: false } }
      ],
      series: [
        {},
        { label: "load", scale: "load", stroke: css("--accent", "#1f6feb"), width: 2, spanGaps: true },
        { label: "target", scale: "load", stroke: css("--warn", "#9a6700"), dash: [6, 4], width: 1, spanGaps: true },
        { label: "demand", scale: "load", stroke: css("--muted", "#888"), width: 1, show: false, spanGaps: true },
        { label: "current", scale: "replicas", stroke: css("--text", "#222"), width: 2, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: "desired", scale: "replicas", stroke: css("--down", "#8250df"), dash: [4, 3], width: 1, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: "ready", scale: "replicas", stroke: css("--ok", "#1a7f37"), width: 1, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: "needed by load", scale: "replicas", stroke: css("--muted", "#888"), width: 1, spanGaps: true },
        { label: "forecast then", scale: "replicas", stroke: css("--forecast", "#bc4c00"), width: 1, dash: [2, 3], spanGaps: true },
        { label: "forecast median", scale: "replicas", stroke: css("--forecast", "#bc4c00"), width: 1, spanGaps: false },
        { label: quantileLabel(getSpec()), scale: "replicas", stroke: css("--forecast", "#bc4c00"), width: 2, spanGaps: false }
      ],
      bands: [{ series: [10, 9], fill: "rgba(188, 76, 0, 0.15)" }],
      plugins: [markerPlugin(getSpec, tip)]
    };
  }

  function draw(el, json) {
    if (typeof uPlot === "undefined") return;
    var spec = JSON.parse(json);
    var entry = charts.get(el);
    if (entry && entry.range === spec.range) {
      entry.spec = spec;
      entry.plot.setData(toColumns(spec));
      el.dataset.drawn = String(spec.points.length);
      return;
    }
    if (entry) entry.plot.destroy();
    el.textContent = "";
    var tip = document.createElement("div");
    tip.className = "chart-tip";
    tip.hidden = true;
    var holder = { spec: spec, range: spec.range };
    var plot = new uPlot(options(el, function () { return holder.spec; }, tip), toColumns(spec), el);
    el.appendChild(tip);
    holder.plot = plot;
    charts.set(el, holder);
    el.dataset.drawn = String(spec.points.length);
    // The server-drawn SVG beside it is for pages without JavaScript.
    if (el.parentElement) el.parentElement.classList.add("drawn");
  }

  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart[data-drawn]").forEach(function (el) {
      var entry = charts.get(el);
      if (entry) entry.plot.setSize({ width: Math.max(300, el.clientWidth), height: 300 });
    });
  });

  // The what-if chart: replica curves of the edited and the current policy on one time axis.
  // spec = { x: [unix seconds], series: [{ label, values }] }; the server-drawn SVG beside it is
  // hidden once this one is drawn (it stays for pages without JavaScript).
  function series(el, json) {
    if (typeof uPlot === "undefined") return;
    var spec = JSON.parse(json);
    var old = charts.get(el);
    if (old) old.plot.destroy();
    el.textContent = "";
    var colors = [css("--accent", "#1f6feb"), css("--down", "#8250df"), css("--muted", "#888")];
    var opts = {
      width: Math.max(300, el.clientWidth),
      height: 240,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, y: { auto: true, range: function (u, min, max) { return [0, Math.max(1, max) + 1]; } } },
      axes: [
        { stroke: css("--muted", "#666"), grid: { stroke: css("--border", "#ddd") } },
        { label: "replicas", stroke: css("--muted", "#666"), grid: { stroke: css("--border", "#ddd") } }
      ],
      series: [{}].concat(spec.series.map(function (s, i) {
        return { label: s.label, stroke: colors[i % colors.length], width: 2, paths: uPlot.paths.stepped({ align: 1 }) };
      }))
    };
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var plot = new uPlot(opts, data, el);
    charts.set(el, { plot: plot, range: "series" });
    el.dataset.drawn = String(spec.x.length);
    if (el.parentElement) el.parentElement.classList.add("drawn");
  }

  window.ebbChart = { draw: draw, series: series };
})();
