/**
 * The page's one stylesheet. Colours: the Okabe–Ito palette (distinguishable with the common colour
 * vision deficiencies, https://jfly.uni-koeln.de/color/), one meaning per colour across every chart:
 * blue = the model's main series (training loss, normal rows, curves, current batch), orange =
 * validation, vermillion = anomalies and flipped decisions, grey = reference and chance lines;
 * verdicts ok / warn / retrain = green / amber / vermillion. Fonts: the system font stack (no downloads).
 */
export const STYLES = `
:root {
  --ink: #1d2430; --muted: #5b6675; --faint: #8a94a3; --line: #d9dee5; --grid: #eef1f4; --bg: #f6f7f9; --panel: #ffffff;
  --blue: #0072b2; --orange: #e69f00; --vermillion: #d55e00; --green: #009e73; --amber: #c98a00; --grey: #8a94a3; --sky: #56b4e9;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0 auto; max-width: 1180px; padding: 32px 28px 64px; color: var(--ink); font: 15px/1.5 var(--sans); }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 22px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
code { font: 13px var(--mono); background: #eef1f4; padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
header.page { margin-bottom: 20px; }
.inputs { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 18px; font-size: 13px; }
.inputs dt { color: var(--muted); }
.inputs dd { margin: 0; font-family: var(--mono); overflow-wrap: anywhere; }
nav.toc { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 24px; }
nav.toc a { color: var(--blue); text-decoration: none; border: 1px solid var(--line); background: var(--panel); border-radius: 999px; padding: 3px 12px; font-size: 13px; }
nav.toc a:hover { border-color: var(--blue); }
.section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 22px 24px 20px; margin: 0 0 22px; }
.lead { color: var(--muted); margin: 0 0 16px; max-width: 900px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; margin: 0 0 18px; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--panel); }
.card-label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.card-value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card-detail { font-size: 12px; color: var(--muted); }
.card.tone-ok { border-left-color: var(--green); } .card.tone-ok .card-value { color: var(--green); }
.card.tone-warn { border-left-color: var(--amber); } .card.tone-warn .card-value { color: var(--amber); }
.card.tone-retrain { border-left-color: var(--vermillion); } .card.tone-retrain .card-value { color: var(--vermillion); }
.card.tone-insufficient-data { border-left-color: var(--grey); }
.badge { display: inline-block; border-radius: 999px; padding: 0 10px; font-size: 13px; font-weight: 600; color: #fff; background: var(--grey); }
.badge.tone-ok { background: var(--green); } .badge.tone-warn { background: var(--amber); } .badge.tone-retrain { background: var(--vermillion); }
.chart-grid { display: grid; gap: 18px 24px; margin: 0 0 12px; align-items: start; }
.grid-1 { grid-template-columns: minmax(0, max-content); }
.grid-2 { grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); }
.grid-3 { grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); }
.grid-small { grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
.figure { margin: 0; }
figcaption { font-weight: 600; font-size: 14px; margin: 0 0 4px; }
.note { color: var(--muted); font-size: 13px; margin: 4px 0 0; }
svg.chart { display: block; max-width: 100%; height: auto; overflow: visible; }
svg.chart text { font-family: var(--sans); fill: var(--ink); }
.tick-label, .bar-value { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart .tick-label, svg.chart .bar-value, svg.chart .marker-label { fill: var(--muted); }
.axis-title { font-size: 12px; }
.category-label { font-size: 12px; }
.legend-label { font-size: 12px; }
.marker-label { font-size: 11px; }
.axis-line { stroke: #9aa4b1; stroke-width: 1; fill: none; }
.tick { stroke: #9aa4b1; fill: none; }
.grid { stroke: var(--grid); stroke-width: 1; fill: none; }
.mark-line { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
.mark-dash { fill: none; stroke-width: 1.4; stroke-dasharray: 5 4; }
.mark-dot { fill: none; stroke-width: 7; stroke-linecap: round; }
.mark-area { stroke-width: 1.5; stroke-linejoin: round; }
.s-train { stroke: var(--blue); }
.s-valid { stroke: var(--orange); }
.s-curve { stroke: var(--blue); }
.s-chance { stroke: var(--grey); }
.s-point { stroke: var(--vermillion); stroke-width: 10; }
.s-all, .s-normal { fill: rgba(0, 114, 178, 0.28); stroke: var(--blue); }
.s-anomaly { fill: rgba(213, 94, 0, 0.28); stroke: var(--vermillion); }
.s-reference { fill: rgba(138, 148, 163, 0.35); stroke: var(--grey); }
.s-current { fill: rgba(0, 114, 178, 0.18); stroke: var(--blue); }
.s-agree { stroke: rgba(0, 114, 178, 0.55); stroke-width: 4.5; }
.s-flip { stroke: var(--vermillion); stroke-width: 6; }
.legend .mark-dot { stroke-width: 8; }
.marker, .marker-threshold { stroke: var(--ink); stroke-width: 1.4; stroke-dasharray: 6 4; fill: none; }
.marker-chance { stroke: var(--grey); stroke-width: 1.2; stroke-dasharray: 2 3; fill: none; }
.marker-warn { stroke: var(--amber); stroke-width: 1.5; stroke-dasharray: 5 3; fill: none; }
.marker-retrain { stroke: var(--vermillion); stroke-width: 1.5; stroke-dasharray: 5 3; fill: none; }
path.bar.tone-ok, .legend path.tone-ok { fill: var(--green); }
path.bar.tone-warn, .legend path.tone-warn { fill: var(--amber); }
path.bar.tone-retrain, .legend path.tone-retrain { fill: var(--vermillion); }
path.bar.tone-insufficient-data { fill: var(--grey); }
.table-wrap { overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 13px; min-width: 420px; }
caption { text-align: left; color: var(--muted); padding: 0 0 6px; }
th, td { padding: 6px 12px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.contrib { display: grid; grid-template-columns: var(--name-width, 24ch) 140px 56px max-content; gap: 10px; align-items: center; line-height: 1.35; }
.contrib-name { font-family: var(--mono); font-size: 12px; }
.contrib-track { height: 10px; background: var(--grid); border-radius: 3px; }
.contrib-bar { display: block; height: 100%; background: var(--vermillion); border-radius: 3px; }
.contrib-bar.negative { background: var(--blue); }
.contrib-raw { color: var(--muted); font-size: 12px; }
ul.reasons, ul.warnings, ul.plain-list { margin: 0 0 14px; padding-left: 20px; }
ul.reasons li { color: var(--ink); }
ul.warnings li { color: var(--muted); font-size: 13px; }
footer { color: var(--faint); font-size: 12px; margin-top: 28px; }
@media print { html { background: #fff; } .section { break-inside: avoid; border: none; padding: 0; } nav.toc { display: none; } }
`;
