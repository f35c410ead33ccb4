/**
 * The inspect page's HTML and CSS (one static document; browser/main.ts fills it in). Element
 * ids are the page's interface: the browser test reads the same ids a reader sees.
 */

const STYLE = `
:root { --fg: #1d2433; --muted: #5b6478; --line: #d8dce6; --bg: #f6f7fa; --card: #fff; --accent: #2a6fdb; --gen: #d9822b; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #1d2433; color: #fff; }
header h1 { font-size: 18px; margin: 0; font-weight: 600; white-space: nowrap; }
header .sub { color: #aab3c5; font-size: 13px; }
#drop { margin-left: auto; border: 1.5px dashed #7d89a3; border-radius: 6px; padding: 6px 12px; color: #cfd6e4; font-size: 13px; }
#drop.over { border-color: #fff; background: #2c3548; }
#drop input { display: none; }
#drop label { color: #9cc3ff; cursor: pointer; text-decoration: underline; }
#message { margin: 10px 20px 0; padding: 8px 12px; border-radius: 6px; display: none; }
#message.error { display: block; background: #fdecea; color: var(--bad); border: 1px solid #f3c1bc; }
#message.info { display: block; background: #eaf1fd; color: #174ea6; border: 1px solid #c5d8f8; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 14px; padding: 14px 20px 24px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
section h2 { font-size: 15px; margin: 0 0 8px; }
section .note { color: var(--muted); font-size: 12px; }
section.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f4; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.generated td { color: var(--gen); }
tr.selected td { background: #fff5d6; }
.bar { display: flex; height: 22px; border-radius: 4px; overflow: hidden; border: 1px solid var(--line); margin: 4px 0 8px; }
.bar div { height: 100%; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.total { font-weight: 600; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.row { display: flex; gap: 14px; align-items: flex-start; flex-wrap: wrap; }
canvas { image-rendering: pixelated; border: 1px solid var(--line); }
select, button { font: inherit; font-size: 13px; }
#acts .act { display: grid; grid-template-columns: 170px 1fr; gap: 8px; align-items: center; margin: 2px 0; font-size: 12px; }
#acts canvas { height: 22px; width: 100%; }
.scores > div { display: grid; grid-template-columns: 80px 160px 120px; gap: 6px; align-items: center; font-size: 12.5px; }
.scores .fill { height: 12px; background: var(--accent); border-radius: 2px; }
.scores .best .fill { background: var(--gen); }
#pareto-plot circle { cursor: pointer; }
#pareto-plot circle.selected { stroke: #000; stroke-width: 2.5; }
`;

export const INSPECT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hypertinypw inspect</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>hypertinypw inspect</h1>
  <span class="sub" id="model-name">no model loaded</span>
  <div id="drop">drop a model (.htpw: IntModel or Deployable, told apart by its magic), a results .jsonl or a WFDB record (.hea + .dat + .atr) here, or <label>choose files<input type="file" id="file-input" multiple></label></div>
</header>
<div id="message"></div>
<main>
  <section id="bytes">
    <h2>Flash and RAM, packed bytes by category</h2>
    <div class="note">accountBytes, as <span class="mono">hypertinypw bytes</span> prints it</div>
    <div id="bytes-body"></div>
  </section>
  <section id="kernel">
    <h2>Generated pointwise kernel, synthesized in this page</h2>
    <div class="note">integer synthesis (src/hyper/synthesis.ts) from the generator, codes and bases in the file; INT8 weights [Cout, Cin]</div>
    <div id="kernel-body"></div>
  </section>
  <section id="layers" class="wide">
    <h2>Layers</h2>
    <div id="layers-body"></div>
  </section>
  <section id="beat" class="wide">
    <h2>A beat through the simulator</h2>
    <div class="note">lead MLII of a WFDB record (the bundled MIT-BIH excerpt, or one dropped here), windowed and z-scored as in training, quantized to the model input, run layer by layer in the INT8 simulator</div>
    <div id="beat-body"></div>
  </section>
  <section id="pareto" class="wide">
    <h2>Pareto plot of the results file</h2>
    <div id="pareto-body"><div class="note">no results file (start with --results results.jsonl, or drop one here)</div></div>
  </section>
</main>
<script type="module" src="inspect.js"></script>
</body>
</html>
`;
