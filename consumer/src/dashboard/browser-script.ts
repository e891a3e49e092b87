/// <reference lib="dom" />
import type { DashboardSnapshot } from './dashboard-model';

/**
 * The page's script. It runs in the browser, not in Node: the server sends its source text
 * (`runDashboard.toString()`), so it is type-checked and linted with the rest of the code but must
 * not use anything from outside its own body.
 */
export function runDashboard(): void {
  const SVG = 'http://www.w3.org/2000/svg';
  const byId = (id: string): HTMLElement => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`dashboard page has no #${id}`);
    return element;
  };
  const svgById = (id: string): SVGSVGElement => byId(id) as unknown as SVGSVGElement;

  const timeOf = (iso: string) => new Date(iso).toLocaleTimeString();
  const percent = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

  function svg(parent: Element, name: string, attributes: Record<string, string | number>, text?: string): Element {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    if (text !== undefined) element.textContent = text;
    parent.appendChild(element);
    return element;
  }

  function html<K extends keyof HTMLElementTagNameMap>(
    parent: Element,
    name: K,
    text?: string,
    className?: string,
  ): HTMLElementTagNameMap[K] {
    const element = document.createElement(name);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    parent.appendChild(element);
    return element;
  }

  function renderLatest(snapshot: DashboardSnapshot, fresh: boolean): void {
    const number = byId('latest-number');
    const detail = byId('latest-detail');
    const latest = snapshot.latest;
    if (!latest) return;
    number.textContent = String(latest.number);
    detail.textContent = `from ${latest.instance} in ${latest.ms} ms, at ${timeOf(latest.at)}`;
    if (fresh && !window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      number.animate(
        [
          { transform: 'scale(1.08)', opacity: 0.55 },
          { transform: 'none', opacity: 1 },
        ],
        {
          duration: 600,
          easing: 'ease-out',
        },
      );
    }
  }

  function renderRecent(snapshot: DashboardSnapshot): void {
    const chart = svgById('recent-chart');
    const { recent, histogram } = snapshot;
    chart.replaceChildren();
    const left = 50;
    const right = 630;
    const top = 12;
    const bottom = 222;
    const y = (value: number) => bottom - ((value - histogram.min) / (histogram.max - histogram.min)) * (bottom - top);
    for (const tick of [histogram.min, 45, 90, 135, histogram.max]) {
      svg(chart, 'line', { class: 'grid', x1: left, x2: right, y1: y(tick), y2: y(tick) });
      svg(chart, 'text', { x: left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, String(tick));
    }
    const slots = Math.max(recent.length - 1, 1);
    const x = (index: number) => left + 8 + (index / slots) * (right - left - 16);
    if (recent.length > 1) {
      svg(chart, 'polyline', {
        class: 'line',
        points: recent.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`).join(' '),
      });
    }
    recent.forEach((value, index) => {
      const isLast = index === recent.length - 1;
      svg(chart, 'circle', { class: isLast ? 'last' : 'dot', cx: x(index), cy: y(value), r: isLast ? 7 : 3 });
    });
    const summary = byId('recent-summary');
    if (recent.length === 0) {
      summary.textContent = 'No numbers yet.';
    } else {
      const lowest = Math.min(...recent);
      const highest = Math.max(...recent);
      summary.textContent =
        `The last ${recent.length} numbers, oldest on the left: lowest ${lowest}, highest ${highest}, ` +
        `most recent ${recent[recent.length - 1] ?? ''}.`;
    }
  }

  function renderHistogram(snapshot: DashboardSnapshot): void {
    const chart = svgById('histogram-chart');
    const { counts, total, min } = snapshot.histogram;
    chart.replaceChildren();
    const left = 50;
    const right = 750;
    const top = 30;
    const bottom = 212;
    const expected = total / counts.length;
    const highest = Math.max(1, ...counts, Math.ceil(expected * 1.6));
    const y = (count: number) => bottom - (count / highest) * (bottom - top);
    const step = (right - left) / counts.length;
    const gridStep = Math.max(1, Math.ceil(highest / 4));
    for (let tick = 0; tick <= highest; tick += gridStep) {
      svg(chart, 'line', { class: 'grid', x1: left, x2: right, y1: y(tick), y2: y(tick) });
      svg(chart, 'text', { x: left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, String(tick));
    }
    counts.forEach((count, index) => {
      if (count > 0) {
        svg(chart, 'rect', {
          class: 'bar',
          x: (left + index * step + 0.5).toFixed(1),
          y: y(count).toFixed(1),
          width: Math.max(step - 1, 1).toFixed(1),
          height: (bottom - y(count)).toFixed(1),
        });
      }
    });
    for (const value of [1, 30, 60, 90, 120, 150, 180]) {
      svg(
        chart,
        'text',
        { x: left + (value - min + 0.5) * step, y: bottom + 20, 'text-anchor': 'middle' },
        String(value),
      );
    }
    if (total > 0) {
      svg(chart, 'line', { class: 'expected', x1: left, x2: right, y1: y(expected), y2: y(expected) });
      svg(
        chart,
        'text',
        { class: 'expected-label', x: right, y: 14, 'text-anchor': 'end' },
        `- - - expected if uniform: ${expected.toFixed(1)} each`,
      );
    }

    const mostOften = counts.reduce((best, count, index) => (count > (counts[best] ?? 0) ? index : best), 0);
    byId('histogram-summary').textContent =
      total === 0
        ? 'No numbers yet.'
        : `${total} numbers so far; a fair source gives each value ${expected.toFixed(1)} times on average.` +
          ((counts[mostOften] ?? 0) > 1
            ? ` The most frequent, ${mostOften + min}, came ${counts[mostOften] ?? 0} times.`
            : '');

    const table = byId('histogram-table');
    if (table.querySelectorAll('tbody td').length !== counts.length) {
      table.querySelector('thead')?.remove();
      table.querySelector('tbody')?.remove();
      const headRow = html(html(table, 'thead'), 'tr');
      html(headRow, 'th', 'Numbers').setAttribute('scope', 'col');
      for (let digit = 0; digit < 10; digit++) html(headRow, 'th', `…${(digit + 1) % 10}`).setAttribute('scope', 'col');
      const body = html(table, 'tbody');
      for (let row = 0; row < counts.length / 10; row++) {
        const tr = html(body, 'tr');
        html(tr, 'th', `${min + row * 10}–${min + row * 10 + 9}`).setAttribute('scope', 'row');
        for (let column = 0; column < 10; column++) html(tr, 'td');
      }
    }
    table.querySelectorAll('tbody td').forEach((cell, index) => {
      cell.textContent = String(counts[index] ?? 0);
      cell.setAttribute('title', `${min + index}: ${counts[index] ?? 0}`);
    });
  }

  function renderVerdict(snapshot: DashboardSnapshot): void {
    const { verdict, samples, samplesNeeded, groups, groupWidth, chiSquare, degreesOfFreedom, pValue } =
      snapshot.uniformity;
    const badge = byId('verdict');
    const detail = byId('verdict-detail');
    badge.dataset.verdict = verdict;
    const labels = {
      'too-few': 'Too few numbers yet',
      uniform: 'Looks uniform ✓',
      borderline: 'Borderline ?',
      'not-uniform': 'Not uniform ✗',
    };
    badge.textContent = labels[verdict];
    if (chiSquare === null || pValue === null || degreesOfFreedom === null) {
      detail.textContent = `${samples} of the ${samplesNeeded} numbers needed for a first verdict.`;
      return;
    }
    const p = pValue < 0.001 ? '< 0.001' : `= ${pValue.toFixed(3)}`;
    const pooled = groupWidth === 1 ? `each of the ${groups} values` : `${groups} groups of ${groupWidth} values`;
    detail.textContent = `χ² = ${chiSquare.toFixed(1)} with ${degreesOfFreedom} degrees of freedom, p ${p} (tested over ${pooled}).`;
  }

  function renderInstances(snapshot: DashboardSnapshot): void {
    const body = byId('instances-body');
    body.replaceChildren();
    const answered = snapshot.polls.ok;
    if (snapshot.instances.length === 0) {
      const cell = html(html(body, 'tr'), 'td', 'No answers yet.', 'muted');
      cell.setAttribute('colspan', '4');
    }
    for (const { instance, answers, lastSeenAt } of snapshot.instances) {
      const row = html(body, 'tr');
      html(row, 'td', instance);
      html(row, 'td', String(answers), 'num');
      const share = percent(answers, answered);
      const shareCell = html(html(row, 'td'), 'div', undefined, 'share');
      const bar = html(shareCell, 'div', undefined, 'share-bar');
      bar.style.width = `${Math.max(share, 1).toFixed(0)}%`;
      bar.setAttribute('aria-hidden', 'true');
      html(shareCell, 'span', `${share.toFixed(0)} %`);
      html(row, 'td', timeOf(lastSeenAt));
    }
    const count = snapshot.instances.length;
    byId('instances-note').textContent =
      (count > 1 ? `${count} instances answered. ` : '') +
      (snapshot.forgottenInstanceAnswers > 0
        ? `${snapshot.forgottenInstanceAnswers} answers came from instances not seen for a while (not listed). `
        : '') +
      'Each poll opens a new connection, so in a Swarm the routing mesh spreads the polls over the replicas.';
  }

  function renderHealth(snapshot: DashboardSnapshot): void {
    byId('polls-total').textContent = String(snapshot.polls.total);
    byId('polls-ok').textContent = String(snapshot.polls.ok);
    byId('polls-failed').textContent = String(snapshot.polls.failed);
    const breaker = byId('breaker');
    breaker.dataset.state = snapshot.breaker.state;
    breaker.textContent = snapshot.breaker.state;
    const list = byId('errors');
    list.replaceChildren();
    if (snapshot.errors.length === 0) html(list, 'li', 'None so far.', 'muted');
    for (const error of snapshot.errors) {
      const item = html(list, 'li');
      const time = html(item, 'time', timeOf(error.at));
      time.dateTime = error.at;
      html(item, 'span', error.kind, 'kind');
      item.append(error.reason);
    }
  }

  function render(snapshot: DashboardSnapshot, fresh: boolean): void {
    const seconds = snapshot.source.pollIntervalMs / 1000;
    byId('source').textContent = `Polling ${snapshot.source.producerUrl} every ${seconds} s`;
    renderLatest(snapshot, fresh);
    renderRecent(snapshot);
    renderHistogram(snapshot);
    renderVerdict(snapshot);
    renderInstances(snapshot);
    renderHealth(snapshot);
  }

  const connection = byId('connection');
  const setConnection = (state: 'live' | 'connecting' | 'lost', text: string) => {
    if (connection.dataset.state === state && connection.textContent === text) return;
    connection.dataset.state = state;
    connection.textContent = text;
  };

  const events = new EventSource('events');
  const onEvent = (fresh: boolean) => (event: MessageEvent<string>) => {
    const snapshot = JSON.parse(event.data) as DashboardSnapshot;
    render(snapshot, fresh);
    setConnection('live', 'live');
  };
  events.addEventListener('snapshot', onEvent(false));
  events.addEventListener('poll', onEvent(true));
  events.addEventListener('open', () => setConnection('live', 'live'));
  events.addEventListener('error', () => {
    // EventSource reconnects by itself; CLOSED means it gave up (e.g. the server answered 503).
    if (events.readyState === EventSource.CLOSED) {
      setConnection('lost', 'disconnected: reload the page to try again');
    } else {
      setConnection('connecting', 'reconnecting…');
    }
  });
}
