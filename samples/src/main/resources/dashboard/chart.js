// A small line chart on a canvas: one series per destination, values over time. No dependencies.
(function () {
  'use strict';
  const COLORS = ['#0969da', '#cf222e', '#8250df', '#1a7f37', '#b08800'];

  function BacklogChart(canvas, legend, windowMs) {
    this.canvas = canvas;
    this.legend = legend;
    this.windowMs = windowMs;
    this.series = new Map(); // id -> [{t, v}]
  }

  BacklogChart.prototype.add = function (id, t, v) {
    let points = this.series.get(id);
    if (!points) {
      points = [];
      this.series.set(id, points);
      this.renderLegend();
    }
    const last = points[points.length - 1];
    if (last && t - last.t < 250 && last.v === v) {
      return;
    }
    points.push({ t: t, v: v });
    const cutoff = t - this.windowMs;
    while (points.length > 2 && points[1].t < cutoff) {
      points.shift();
    }
  };

  BacklogChart.prototype.renderLegend = function () {
    this.legend.textContent = '';
    let i = 0;
    for (const id of this.series.keys()) {
      const span = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = COLORS[i++ % COLORS.length];
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(id));
      this.legend.appendChild(span);
    }
  };

  BacklogChart.prototype.draw = function () {
    const c = this.canvas;
    const ctx = c.getContext('2d');
    const w = c.width, h = c.height, left = 48, bottom = 22, top = 10, right = 10;
    ctx.clearRect(0, 0, w, h);
    const now = Date.now();
    const from = now - this.windowMs;
    let max = 1;
    for (const points of this.series.values()) {
      for (const p of points) { if (p.t >= from && p.v > max) { max = p.v; } }
    }
    // Four gridlines at a round step (1, 2 or 5 times a power of ten), whole numbers only.
    const raw = Math.max(1, max / 4);
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * pow).find(s => s >= raw);
    max = step * 4;
    const x = t => left + (t - from) / this.windowMs * (w - left - right);
    const y = v => h - bottom - v / max * (h - bottom - top);
    ctx.strokeStyle = '#d0d7de';
    ctx.fillStyle = '#656d76';
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = max * i / 4;
      ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(w - right, y(v)); ctx.stroke();
      ctx.fillText(String(Math.round(v)), 4, y(v) + 4);
    }
    for (let s = 0; s <= this.windowMs / 1000; s += 30) {
      const t = now - s * 1000;
      ctx.fillText(s === 0 ? 'now' : '-' + s + 's', x(t) - 12, h - 6);
    }
    let i = 0;
    for (const points of this.series.values()) {
      ctx.strokeStyle = COLORS[i++ % COLORS.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      let started = false;
      let prev = null;
      for (const p of points) {
        const px = x(Math.max(p.t, from));
        if (!started) { ctx.moveTo(px, y(p.v)); started = true; } else { ctx.lineTo(px, y(prev.v)); ctx.lineTo(px, y(p.v)); }
        prev = p;
      }
      if (prev) { ctx.lineTo(x(now), y(prev.v)); }
      ctx.stroke();
    }
  };

  window.BacklogChart = BacklogChart;
})();
