// The page and its style live in the code, not in files next to it: the bundled consumer.cjs is all a
// container image ships, so there is no directory to read them from.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>fogpair · live numbers</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard.css">
<script src="dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>fogpair <span class="muted">live numbers</span></h1>
  <p id="source" class="muted">Waiting for the consumer…</p>
  <p id="connection" class="connection" role="status" data-state="connecting">connecting…</p>
</header>
<main>
  <section class="card latest" aria-labelledby="latest-title">
    <h2 id="latest-title">Last number</h2>
    <p id="latest-number" class="big">–</p>
    <p id="latest-detail" class="muted">waiting for the first answer</p>
  </section>

  <section class="card recent" aria-labelledby="recent-title">
    <h2 id="recent-title">Recent numbers</h2>
    <svg id="recent-chart" class="chart" viewBox="0 0 640 240" role="img" aria-labelledby="recent-title recent-summary"></svg>
    <p id="recent-summary" class="muted">No numbers yet.</p>
  </section>

  <section class="card histogram" aria-labelledby="histogram-title">
    <h2 id="histogram-title">How often each number came, 1 to 180</h2>
    <svg id="histogram-chart" class="chart" viewBox="0 0 760 240" role="img" aria-labelledby="histogram-title histogram-summary"></svg>
    <p id="histogram-summary" class="muted">No numbers yet.</p>
    <div class="verdict-row">
      <p id="verdict" class="verdict" data-verdict="too-few" title="Chi-square test: could a fair source that makes every number equally likely produce counts this uneven?">Too few numbers yet</p>
      <p id="verdict-detail"></p>
    </div>
    <details>
      <summary>What does this verdict mean?</summary>
      <p>If every number from 1 to 180 is equally likely, each one should come about equally often. The
        <strong>chi-square (χ²)</strong> test measures how far the counts are from that: for every group of
        numbers it adds up (observed − expected)² ÷ expected. 0 means perfectly even; a fair source
        usually lands near the <em>degrees of freedom</em> (the number of groups minus one).</p>
      <p>The <strong>p-value</strong> is the chance that a truly fair source would look at least this uneven,
        just by luck. A p-value of 0.40 means: 40 % of fair runs look this uneven or worse, nothing
        suspicious. Below 0.01 (1 %) luck is a poor explanation, so the page says <em>not uniform</em>;
        between 0.01 and 0.05 it says <em>borderline</em>. A high p-value does not prove the source is
        fair; it only finds nothing wrong.</p>
      <p>The test needs at least about 5 expected numbers per group. While there are few numbers,
        neighbouring values are pooled into equal groups (for example 18 groups of 10); the page shows
        which. The verdict is checked again after every number, so a fair source will now and then look
        <em>borderline</em> for a moment (about 1 check in 25): watch the trend, not one moment.</p>
    </details>
    <details>
      <summary>All counts as a table</summary>
      <div class="table-scroll">
        <table id="histogram-table" class="counts">
          <caption>How often each number came: row = range, column = last digit</caption>
        </table>
      </div>
    </details>
  </section>

  <section class="card instances" aria-labelledby="instances-title">
    <h2 id="instances-title">Producer instances</h2>
    <div class="table-scroll">
    <table class="instances-table">
      <thead><tr><th scope="col">Instance</th><th scope="col" class="num">Answers</th><th scope="col">Share</th><th scope="col">Last answer</th></tr></thead>
      <tbody id="instances-body"><tr><td colspan="4" class="muted">No answers yet.</td></tr></tbody>
    </table>
    </div>
    <p id="instances-note" class="muted">Each poll opens a new connection, so in a Swarm the routing mesh spreads the polls over the replicas.</p>
  </section>

  <section class="card health" aria-labelledby="health-title">
    <h2 id="health-title">Polls and errors</h2>
    <dl class="facts">
      <div><dt>Polls</dt><dd id="polls-total">0</dd></div>
      <div><dt>Answered</dt><dd id="polls-ok">0</dd></div>
      <div><dt>Failed</dt><dd id="polls-failed">0</dd></div>
      <div><dt>Circuit breaker</dt><dd><span id="breaker" class="badge">…</span></dd></div>
    </dl>
    <h3>Last errors</h3>
    <ol id="errors" class="errors"><li class="muted">None so far.</li></ol>
  </section>
</main>
<footer class="muted">Served by the consumer itself: no internet needed. Raw data: <a href="stats">/stats</a> · <a href="healthz">/healthz</a></footer>
</body>
</html>
`;

export const DASHBOARD_CSS = `:root {
  color-scheme: dark;
  --bg: #0b0f14; --card: #151c24; --line: #2c3a48; --fg: #f3f6f9; --muted: #b9c5d1;
  --accent: #67d0ff; --bar: #4fa8e0; --good: #5fe08f; --warn: #ffc94d; --bad: #ff8a80;
}
@media (prefers-color-scheme: light) {
  :root {
    color-scheme: light;
    --bg: #f4f6f8; --card: #ffffff; --line: #c9d1da; --fg: #0d1318; --muted: #3d4955;
    --accent: #00598f; --bar: #1f6fa8; --good: #12672f; --warn: #7a4a00; --bad: #b3261e;
  }
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; font-size: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.45; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1.5rem; padding: 1rem clamp(1rem, 3vw, 2rem) 0; }
h1 { margin: 0; font-size: clamp(1.4rem, 3vw, 2rem); }
h2 { margin: 0 0 0.5rem; font-size: clamp(1.1rem, 2vw, 1.35rem); }
h3 { margin: 1rem 0 0.25rem; font-size: 1.05rem; }
header p { margin: 0; }
.muted { color: var(--muted); }
.connection { margin-left: auto !important; font-weight: 600; }
.connection::before { content: "●"; margin-right: 0.4em; }
.connection[data-state="live"]::before { color: var(--good); }
.connection[data-state="connecting"]::before { color: var(--warn); }
.connection[data-state="lost"]::before { color: var(--bad); }
main {
  display: grid; gap: clamp(0.75rem, 2vw, 1.25rem); padding: clamp(0.75rem, 2vw, 1.25rem) clamp(1rem, 3vw, 2rem);
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 24rem), 1fr));
}
.card { background: var(--card); border: 1px solid var(--line); border-radius: 0.75rem; padding: clamp(0.75rem, 2vw, 1.25rem); min-width: 0; }
.histogram { grid-column: 1 / -1; }
@media (min-width: 70rem) {
  main { grid-template-columns: repeat(6, 1fr); }
  .latest { grid-column: span 2; }
  .recent { grid-column: span 4; }
  .instances, .health { grid-column: span 3; }
}
.latest { display: flex; flex-direction: column; justify-content: center; text-align: center; container-type: inline-size; }
/* As wide as three digits fit in the card: huge on a projector, still inside the card on a phone. */
.big { margin: 0; font-size: clamp(5rem, 18vw, 12rem); font-size: clamp(4rem, 48cqi, 14rem); font-weight: 800; line-height: 1; color: var(--accent); letter-spacing: -0.02em; }
#latest-detail { margin: 0.75rem 0 0; font-size: 1.05rem; overflow-wrap: anywhere; }
.chart { display: block; width: 100%; height: auto; }
.chart text { fill: var(--muted); font-size: 14px; font-family: inherit; }
@media (max-width: 40rem) { .chart text { font-size: 20px; } .share-bar { display: none; } }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .line { fill: none; stroke: var(--accent); stroke-width: 2.5; stroke-linejoin: round; }
.chart .dot { fill: var(--accent); }
.chart .last { fill: var(--fg); stroke: var(--accent); stroke-width: 3; }
.chart .bar { fill: var(--bar); }
.chart .expected { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
.chart .expected-label { fill: var(--warn); }
.verdict-row { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; margin: 0.75rem 0; }
.verdict-row p { margin: 0; }
.verdict { font-weight: 700; font-size: clamp(1.1rem, 2.2vw, 1.5rem); padding: 0.2em 0.7em; border-radius: 999px; border: 2px solid currentColor; cursor: help; }
.verdict[data-verdict="uniform"] { color: var(--good); }
.verdict[data-verdict="borderline"] { color: var(--warn); }
.verdict[data-verdict="not-uniform"] { color: var(--bad); }
.verdict[data-verdict="too-few"] { color: var(--muted); }
details { margin-top: 0.5rem; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; padding: 0.25rem 0; }
details p { max-width: 75ch; }
.table-scroll { overflow-x: auto; max-width: 100%; }
details { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
.num, table.counts td { text-align: right; }
table.counts { font-size: 0.9rem; width: auto; }
table.counts th[scope="row"] { white-space: nowrap; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.25rem; }
.instances-table td:first-child { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.instances-table td { font-size: 1.05rem; }
.share { display: flex; align-items: center; gap: 0.5rem; min-width: 5rem; white-space: nowrap; }
.share-bar { height: 0.8rem; background: var(--bar); border-radius: 0.2rem; min-width: 2px; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(7rem, 1fr)); gap: 0.5rem; margin: 0; }
.facts div { border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.4rem 0.6rem; }
.facts dt { color: var(--muted); font-size: 0.9rem; }
.facts dd { margin: 0; font-size: clamp(1.4rem, 3vw, 2rem); font-weight: 700; }
.badge { display: inline-block; font-size: 1.1rem; padding: 0.05em 0.6em; border-radius: 999px; border: 2px solid currentColor; }
.badge[data-state="closed"] { color: var(--good); }
.badge[data-state="open"] { color: var(--bad); }
.errors { margin: 0; padding-left: 1.25rem; }
.errors li { margin: 0.25rem 0; overflow-wrap: anywhere; }
.errors li.muted { list-style: none; margin-left: -1.25rem; }
.errors time { color: var(--muted); margin-right: 0.5em; }
.errors .kind { color: var(--bad); font-weight: 600; margin-right: 0.5em; }
footer { padding: 0 clamp(1rem, 3vw, 2rem) 1.5rem; }
`;
