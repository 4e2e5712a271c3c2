// Hand-drawn SVG for the dashboard: the flow map of a chain, trend lines per
// period and the percentile strip of one handover delay. Pure drawing: each
// function takes plain data from the API and returns an element; nothing here
// fetches or keeps state.
import {h as el} from './dom.js';
import * as fmt from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

// Share-within-norm colour classes (legend and arrows use the same ones).
export const SHARE_CLASSES = [
  {key: 'good', label: '≥ 80 % binnen norm', color: '#2e7d32'},
  {key: 'fair', label: '50–80 % binnen norm', color: '#d08700'},
  {key: 'poor', label: '< 50 % binnen norm', color: '#c62828'},
  {key: 'none', label: 'geen norm', color: '#8a929c'},
  {key: 'hidden', label: 'minder dan k cliënten', color: '#b9c0c8', dashed: true},
];
const colorOf = Object.fromEntries(SHARE_CLASSES.map((c) => [c.key, c.color]));

// Distinct, colour-blind friendly owner colours (Okabe–Ito).
const PARTNER_COLORS =
    ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

export function svg(tag, attrs = {}, children = []) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function text(x, y, content, attrs = {}) {
  return svg('text', {x, y, ...attrs}, [content]);
}

let measureCanvas = null;
function textWidth(content, size, weight = 400) {
  measureCanvas ??= document.createElement('canvas').getContext('2d');
  measureCanvas.font = `${weight} ${size}px ${FONT}`;
  return measureCanvas.measureText(content).width;
}

// Splits a label into at most `maxLines` lines of at most `width` pixels.
function wrap(label, width, size, weight, maxLines = 2) {
  const words = String(label).split(/\s+/);
  const lines = [];
  let line = '';
  for (const word of words) {
    const candidate = line ? line + ' ' + word : word;
    if (textWidth(candidate, size, weight) <= width || !line) {
      line = candidate;
    } else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] += '…';
    return kept;
  }
  return lines;
}

// A statistic of a DurationStats, or undefined when there is nothing to show:
// absent, measured over no interval, or left out because fewer than k clients.
export function stat(stats, key) {
  if (!stats) return undefined;
  const count = stats.count;
  if (fmt.isSuppressed(count) || !(count > 0)) return undefined;
  const value = stats[key];
  return typeof value === 'number' ? value : undefined;
}

// Colour class of a transition from its norm result.
export function shareClass(transition) {
  if (!transition.norm || !transition.norm.days) return 'none';
  const share = transition.norm.share;
  if (typeof share !== 'number' || fmt.isSuppressed(transition.count)) return 'hidden';
  if (share >= 0.8) return 'good';
  if (share >= 0.5) return 'fair';
  return 'poor';
}

export function transitionKey(t) {
  return `${t.from}→${t.to}`;
}

// Stages in chain order: by rank, unranked ones (rank 0) by id after them;
// stages that only occur in the report are appended.
export function orderedStages(chain, reportStages = []) {
  const stages = [...(chain?.stages ?? [])].sort((a, b) => {
    const ra = a.rank || Number.MAX_SAFE_INTEGER;
    const rb = b.rank || Number.MAX_SAFE_INTEGER;
    return ra - rb || a.id.localeCompare(b.id);
  });
  const known = new Set(stages.map((s) => s.id));
  for (const s of reportStages) {
    if (!known.has(s.stage)) stages.push({id: s.stage, name: s.name || s.stage, rank: 0});
  }
  return stages;
}

// Greedy level assignment so that arcs whose spans overlap get different
// heights. Returns the level (0-based) of each arc, in the given order.
function assignLevels(arcs) {
  const levels = [];
  const byLevel = [];
  const order = arcs.map((a, i) => i).sort((a, b) => arcs[a].span - arcs[b].span);
  for (const i of order) {
    const a = arcs[i];
    let level = 0;
    while ((byLevel[level] ?? []).some((b) => a.lo < b.hi && b.lo < a.hi)) level++;
    (byLevel[level] ??= []).push(a);
    levels[i] = level;
  }
  return levels;
}

// The flow map: one box per stage in chain order, an arrow per transition
// labelled with its count and median delay, coloured by share within norm.
// Arrows between neighbours run straight; others run as brackets above
// (forward) or below (backward) the boxes.
// focus: a Set of stage ids (the partner filter) or null; other stages and
// the transitions that touch none of them are drawn faded (class "dim").
const dimmed = (focus, ...stages) => Boolean(focus) && !stages.some((s) => focus.has(s));

export function flowMap({chain, report, width, selected, onSelect, focus = null}) {
  const stages = orderedStages(chain, report.stages);
  const kpiOf = new Map((report.stages ?? []).map((s) => [s.stage, s]));
  const index = new Map(stages.map((s, i) => [s.id, i]));
  const partners = chain?.partners ?? [];
  const partnerColor = new Map(partners.map((p, i) => [p.id, PARTNER_COLORS[i % 8]]));

  const n = Math.max(stages.length, 1);
  const pad = 14;
  const gap = Math.max(46, Math.min(76, width * 0.04));
  const boxW = Math.max(78, (width - 2 * pad - (n - 1) * gap) / n);
  const boxH = 92;
  const levelH = 26;

  const straight = [];
  const arcs = [];
  for (const t of report.transitions ?? []) {
    const i = index.get(t.from);
    const j = index.get(t.to);
    if (i === undefined || j === undefined || i === j) continue;
    if (j === i + 1) {
      straight.push({t, i, j});
    } else {
      arcs.push(
          {t, i, j, lo: Math.min(i, j), hi: Math.max(i, j), span: Math.abs(j - i), above: j > i});
    }
  }
  const above = arcs.filter((a) => a.above);
  const below = arcs.filter((a) => !a.above);
  const levelsAbove = assignLevels(above);
  const levelsBelow = assignLevels(below);
  const nAbove = above.length ? Math.max(...levelsAbove) + 1 : 0;
  const nBelow = below.length ? Math.max(...levelsBelow) + 1 : 0;
  const top = 8 + nAbove * levelH + (nAbove ? 14 : 0);
  const height = top + boxH + nBelow * levelH + (nBelow ? 22 : 8);

  const maxCount =
      Math.max(1, ...(report.transitions ?? []).map((t) => fmt.countValue(t.count) ?? 1));
  const strokeOf = (t) => {
    const c = fmt.countValue(t.count) ?? 1;
    return 1.5 + 3.5 * Math.sqrt(c / maxCount);
  };

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': 'Stroomkaart van de keten',
    class: 'flowmap',
    'font-family': FONT,
  });
  const defs = svg('defs');
  for (const c of SHARE_CLASSES) {
    defs.append(
        svg('marker', {
          id: `head-${c.key}`,
          viewBox: '0 0 10 10',
          refX: 8,
          refY: 5,
          markerWidth: 11,
          markerHeight: 11,
          orient: 'auto-start-reverse',
          markerUnits: 'userSpaceOnUse',
        },
            [svg('path', {d: 'M0,0 L10,5 L0,10 z', fill: c.color})]));
  }
  root.append(defs);

  const boxX = (i) => pad + i * (boxW + gap);
  const cx = (i) => boxX(i) + boxW / 2;

  const edgeGroup = (t, pathD, labelX, labelY, labelText, testPrefix) => {
    const cls = shareClass(t);
    const key = transitionKey(t);
    const isSelected = selected === key;
    const g = svg('g', {
      class: `edge${isSelected ? ' selected' : ''}${dimmed(focus, t.from, t.to) ? ' dim' : ''}`,
      'data-transition': key,
      tabindex: 0,
      role: 'button',
      'aria-label': `Overdracht ${t.from} naar ${t.to}`,
    });
    const share = cls === 'none' ? 'geen norm' :
                                   `${fmt.share(t.norm?.share)} binnen ${fmt.norm(t.norm?.days)}`;
    g.append(
        svg('title', {},
            [`${nameOf(stages, t.from)} → ${nameOf(stages, t.to)}\n` +
             `${fmt.count(t.count)} overgangen, mediaan ${
                 fmt.secondsAsDays(stat(t.delay, 'p50Seconds'))}` +
             `\n${share}`]));
    if (isSelected) {
      g.append(svg('path', {
        d: pathD,
        fill: 'none',
        stroke: '#1d4ed8',
        'stroke-opacity': 0.25,
        'stroke-width': strokeOf(t) + 6,
        'stroke-linejoin': 'round'
      }));
    }
    g.append(svg('path', {d: pathD, fill: 'none', stroke: 'transparent', 'stroke-width': 16}));
    g.append(svg('path', {
      d: pathD,
      fill: 'none',
      stroke: colorOf[cls],
      'stroke-width': strokeOf(t),
      'stroke-linejoin': 'round',
      'marker-end': `url(#head-${cls})`,
      'stroke-dasharray': cls === 'hidden' ? '5 4' : null,
      class: 'edge-line',
    }));
    for (const part of labelText(labelX, labelY, key)) g.append(part);
    g.addEventListener('click', () => onSelect?.(key));
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onSelect?.(key);
      }
    });
    return g;
  };

  const countId = (key) => `flow-count-${key.replace('→', '--')}`;
  const medianId = (key) => `flow-p50-${key.replace('→', '--')}`;

  // Arrows between neighbours: count above, median below the arrow.
  for (const {t, i, j} of straight) {
    const y = top + boxH / 2;
    const x1 = boxX(i) + boxW + 2;
    const x2 = boxX(j) - 3;
    const d = `M${x1},${y} L${x2},${y}`;
    root.append(edgeGroup(
        t, d, (x1 + x2) / 2, y,
        (x, yy, key) =>
            [text(
                 x, yy - 10, fmt.count(t.count),
                 {'text-anchor': 'middle', class: 'edge-count', 'data-testid': countId(key)}),
             text(
                 x, yy + 20, fmt.secondsAsDays(stat(t.delay, 'p50Seconds')),
                 {'text-anchor': 'middle', class: 'edge-median', 'data-testid': medianId(key)}),
    ]));
  }

  // Brackets for skips (above) and returns (below).
  const bracket = (arc, level, isAbove) => {
    const {t, i, j} = arc;
    const inset = boxW * 0.22;
    const xs = isAbove ? cx(i) + inset : cx(i) - inset;
    const xe = isAbove ? cx(j) - inset : cx(j) + inset;
    const yBox = isAbove ? top : top + boxH;
    const yLevel = isAbove ? top - 14 - level * levelH : top + boxH + 14 + level * levelH;
    const r = 6;
    const dir = xe > xs ? 1 : -1;
    const vy = isAbove ? -1 : 1;
    const d =
        `M${xs},${yBox} L${xs},${yLevel - vy * r} Q${xs},${yLevel} ${xs + dir * r},${yLevel} ` +
        `L${xe - dir * r},${yLevel} Q${xe},${yLevel} ${xe},${yLevel - vy * r} L${xe},${
            yBox + (isAbove ? -3 : 3)}`;
    const labelX = (xs + xe) / 2;
    return edgeGroup(t, d, labelX, yLevel, (x, y, key) => {
      const count = fmt.count(t.count);
      const median = fmt.secondsAsDays(stat(t.delay, 'p50Seconds'));
      const w = textWidth(`${count} · ${median}`, 11, 600) + 12;
      return [
        svg('rect', {x: x - w / 2, y: y - 8, width: w, height: 16, rx: 8, class: 'edge-label-bg'}),
        svg('text', {x, y: y + 4, 'text-anchor': 'middle', class: 'edge-arc-label'},
            [
              svg('tspan', {'data-testid': countId(key), class: 'edge-count'}, [count]),
              svg('tspan', {}, [' · ']),
              svg('tspan', {'data-testid': medianId(key)}, [median]),
            ]),
      ];
    });
  };
  above.forEach((a, k) => root.append(bracket(a, levelsAbove[k], true)));
  below.forEach((a, k) => root.append(bracket(a, levelsBelow[k], false)));

  // Stage boxes.
  stages.forEach((s, i) => {
    const x = boxX(i);
    const kpi = kpiOf.get(s.id) ?? {};
    const g = svg('g', {class: `stage${dimmed(focus, s.id) ? ' dim' : ''}`, 'data-stage': s.id});
    const owner = partners.find((p) => p.id === s.owner);
    g.append(
        svg('title', {},
            [`${s.name || s.id}${owner ? `\nEigenaar: ${owner.name || owner.id}` : ''}` +
             `\nInstroom ${fmt.count(kpi.entries)}, uitstroom ${fmt.count(kpi.exits)}, ` +
             `terugkeer ${fmt.count(kpi.reentries)}, onderweg ${fmt.count(kpi.wip)}`]));
    g.append(svg('rect', {x, y: top, width: boxW, height: boxH, rx: 7, class: 'stage-box'}));
    g.append(svg(
        'rect',
        {x, y: top, width: boxW, height: 5, rx: 2, fill: partnerColor.get(s.owner) ?? '#8a929c'}));
    // Long (compound) words get a smaller font, then are squeezed to fit.
    const room = boxW - 10;
    const lines = wrap(s.name || s.id, room, 12.5, 650);
    const widest = Math.max(...lines.map((line) => textWidth(line, 12.5, 650)));
    const size = Math.max(10, Math.min(12.5, (12.5 * room) / widest));
    lines.forEach((line, k) => {
      const squeeze = textWidth(line, size, 650) > room;
      g.append(text(x + boxW / 2, top + 22 + k * 15, line, {
        'text-anchor': 'middle',
        class: 'stage-name',
        style: `font-size: ${size.toFixed(1)}px`,
        textLength: squeeze ? room : null,
        lengthAdjust: squeeze ? 'spacingAndGlyphs' : null,
      }));
    });
    const rowY = top + boxH - 30;
    const row = (y, label, value, testid) => {
      g.append(text(x + 8, y, label, {class: 'stage-label'}));
      g.append(text(
          x + boxW - 8, y, value,
          {'text-anchor': 'end', class: 'stage-value', 'data-testid': testid}));
    };
    row(rowY, 'instroom', fmt.count(kpi.entries), `stage-entries-${s.id}`);
    row(rowY + 16, 'onderweg', fmt.count(kpi.wip), `stage-wip-${s.id}`);
    root.append(g);
  });

  return root;
}

// The narrowest width at which flowMap() keeps its boxes readable; below it
// the dashboard shows flowList() instead.
export function flowMapMinWidth(stageCount) {
  const n = Math.max(stageCount, 1);
  return 2 * 14 + n * 78 + (n - 1) * 46;
}

// The flow map for narrow screens (phones): the stages top to bottom as HTML,
// so that every stage shows at any width. Between neighbours the transition's
// count and median; skips and returns listed under the stage they leave. The
// same data-testids as flowMap(), and the same selection.
export function flowList({chain, report, selected, onSelect, focus = null}) {
  const stages = orderedStages(chain, report.stages);
  const kpiOf = new Map((report.stages ?? []).map((s) => [s.stage, s]));
  const index = new Map(stages.map((s, i) => [s.id, i]));
  const partners = chain?.partners ?? [];
  const partnerColor = new Map(partners.map((p, i) => [p.id, PARTNER_COLORS[i % 8]]));
  const edge = (t, prefix) => {
    const key = transitionKey(t);
    const cls = shareClass(t);
    const testKey = key.replace('→', '--');
    const share = cls === 'none' || cls === 'hidden' ?
        '' :
        ` · ${fmt.share(t.norm?.share)} binnen ${fmt.norm(t.norm?.days)}`;
    const button =
        el('button', {
          type: 'button',
          class: `flow-edge ${cls}${selected === key ? ' selected' : ''}${
              dimmed(focus, t.from, t.to) ? ' dim' : ''}`,
          'data-transition': key,
          style: `border-left-color: ${colorOf[cls]}`,
          'aria-label': `Overdracht ${t.from} naar ${t.to}`,
          onclick: () => onSelect?.(key),
        },
           [
             prefix, el('b', {'data-testid': `flow-count-${testKey}`}, fmt.count(t.count)),
             ' overgangen · mediaan ',
             el('span', {'data-testid': `flow-p50-${testKey}`},
                fmt.secondsAsDays(stat(t.delay, 'p50Seconds'))),
             share
           ]);
    return button;
  };
  const list = el('ol', {class: 'flowlist', 'aria-label': 'Stroomkaart van de keten'});
  stages.forEach((s, i) => {
    const kpi = kpiOf.get(s.id) ?? {};
    const item =
        el('li', {class: `flow-stage${dimmed(focus, s.id) ? ' dim' : ''}`, 'data-stage': s.id}, [
          el('div', {
            class: 'flow-stage-box',
            style: `border-top-color: ${partnerColor.get(s.owner) ?? '#8a929c'}`
          },
             [
               el('span', {class: 'flow-stage-name'}, s.name || s.id),
               el('span', {class: 'flow-stage-values'},
                  [
                    'instroom ',
                    el('b', {'data-testid': `stage-entries-${s.id}`}, fmt.count(kpi.entries)),
                    ' · onderweg ',
                    el('b', {'data-testid': `stage-wip-${s.id}`}, fmt.count(kpi.wip))
                  ]),
             ]),
        ]);
    for (const t of report.transitions ?? []) {
      const from = index.get(t.from);
      const to = index.get(t.to);
      if (from !== i || to === undefined || to === i) continue;
      item.append(
          to === i + 1 ? edge(t, '↓ ') :
                         edge(t, `${to > i ? '↷' : '↶'} naar ${nameOf(stages, t.to)}: `));
    }
    list.append(item);
  });
  return list;
}

function nameOf(stages, id) {
  return stages.find((s) => s.id === id)?.name || id;
}

// Legend under the flow map: share classes and stage owners.
export function flowLegend(chain) {
  const wrapEl = document.createElement('div');
  wrapEl.className = 'legend';
  for (const c of SHARE_CLASSES) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    const sw = svg('svg', {width: 26, height: 10, 'aria-hidden': 'true'}, [
      svg('line', {
        x1: 1,
        y1: 5,
        x2: 25,
        y2: 5,
        stroke: c.color,
        'stroke-width': 4,
        'stroke-dasharray': c.dashed ? '5 3' : null
      }),
    ]);
    item.append(sw, c.label);
    wrapEl.append(item);
  }
  const sep = document.createElement('span');
  sep.className = 'legend-sep';
  wrapEl.append(sep);
  (chain?.partners ?? []).forEach((p, i) => {
    if (!(chain.stages ?? []).some((s) => s.owner === p.id)) return;
    const item = document.createElement('span');
    item.className = 'legend-item';
    const sw = document.createElement('i');
    sw.className = 'swatch';
    sw.style.background = PARTNER_COLORS[i % 8];
    item.append(sw, p.name || p.id);
    wrapEl.append(item);
  });
  return wrapEl;
}

// "Nice" round step for an axis covering [0, max] in about `ticks` steps.
function niceStep(max, ticks) {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

// A line chart over periods. series: [{name, color, values: (number|null)[]}];
// null is a gap (nothing measured, or hidden below k).
// partial[i]: period i is not complete (still running, or cut by the chosen
// range): its points are drawn hollow.
export function lineChart({
  labels,
  series,
  width,
  height = 190,
  yFormat = String,
  yMax,
  minStep = 0,
  testid,
  partial = []
}) {
  const left = 46;
  const right = 22;
  const topPad = 12;
  const bottom = 26;
  const plotW = Math.max(40, width - left - right);
  const plotH = height - topPad - bottom;
  const all = series.flatMap((s) => s.values).filter((v) => typeof v === 'number');
  const max = yMax ?? Math.max(0, ...all);
  const nice = Math.max(minStep, niceStep(max > 0 ? max : 1, 4));
  const step = minStep >= 1 ? Math.ceil(nice) : nice;
  const top = Math.max(step, Math.ceil(max / step) * step);
  const x = (i) => left + (labels.length <= 1 ? plotW / 2 : (i * plotW) / (labels.length - 1));
  const y = (v) => topPad + plotH - (v / top) * plotH;

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: 'chart',
    'font-family': FONT,
    'data-testid': testid
  });
  // What the chart shows, for the panel's CSV download (export.js).
  root.csvTable = {
    columns: ['periode', ...series.map((s) => s.name), 'compleet'],
    rows: labels.map(
        (label, i) =>
            [label, ...series.map((s) => (typeof s.values[i] === 'number' ? s.values[i] : '')),
             partial[i] ? 'nee' : 'ja']),
  };
  for (let v = 0; v <= top + step / 2; v += step) {
    root.append(svg('line', {x1: left, x2: left + plotW, y1: y(v), y2: y(v), class: 'grid'}));
    root.append(text(left - 6, y(v) + 4, yFormat(v), {'text-anchor': 'end', class: 'axis'}));
  }
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(plotW / 54))));
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const anchor = labels.length > 1 && i === labels.length - 1 ? 'end' : 'middle';
    root.append(text(
        x(i) + (anchor === 'end' ? 8 : 0), height - 8, fmt.period(label),
        {'text-anchor': anchor, class: 'axis'}));
  });
  for (const s of series) {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (typeof v !== 'number') {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
    });
    root.append(svg('path', {
      d,
      fill: 'none',
      stroke: s.color,
      'stroke-width': 2.2,
      'stroke-linejoin': 'round',
      'stroke-dasharray': s.dashed ? '6 4' : null
    }));
    s.values.forEach((v, i) => {
      if (typeof v !== 'number') return;
      const open = Boolean(partial[i]);
      root.append(
          svg('circle', {
            cx: x(i),
            cy: y(v),
            r: labels.length > 30 ? 1.8 :
                open              ? 3.5 :
                                    3,
            fill: open ? '#fff' : s.color,
            stroke: open ? s.color : null,
            'stroke-width': open ? 2 : null,
            class: open ? 'partial-point' : null
          },
              [svg('title', {}, [`${s.name}, ${fmt.period(labels[i])}${
                                    open ? ' (periode niet compleet)' : ''}: ${yFormat(v)}`])]));
    });
  }
  return root;
}

// Percentile strip of one delay distribution on a log(1 + days) axis: a line
// from min to max, a band from p50 to p95, ticks at p50/p80/p90/p95 and the
// norm as a dashed line.
export function percentileStrip({delay, normDays, width}) {
  const height = 122;
  const left = 16;
  const right = 16;
  const plotW = width - left - right;
  const keys = [
    ['minSeconds', 'min'], ['p50Seconds', 'p50'], ['p80Seconds', 'p80'], ['p90Seconds', 'p90'],
    ['p95Seconds', 'p95'], ['maxSeconds', 'max']
  ];
  const v = Object.fromEntries(keys.map(([k, name]) => [name, (stat(delay, k) ?? 0) / 86400]));
  const maxDays = Math.max(v.max, normDays || 0, 1);
  const ticks =
      [0, 1, 2, 7, 14, 30, 60, 90, 180, 365, 730, 1460].filter((t) => t <= maxDays * 1.05);
  const scale = (d) => left + (Math.log1p(Math.max(0, d)) / Math.log1p(maxDays)) * plotW;
  const axisY = 92;
  const bandY = 52;

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: 'strip',
    'font-family': FONT,
    role: 'img',
    'aria-label': 'Verdeling van de overdrachtstijd'
  });
  root.append(svg('line', {x1: left, x2: left + plotW, y1: axisY, y2: axisY, class: 'axis-line'}));
  for (const t of ticks) {
    root.append(
        svg('line', {x1: scale(t), x2: scale(t), y1: axisY, y2: axisY + 4, class: 'axis-line'}));
    root.append(text(scale(t), axisY + 16, `${t} d`, {'text-anchor': 'middle', class: 'axis'}));
  }
  root.append(
      svg('line', {x1: scale(v.min), x2: scale(v.max), y1: bandY, y2: bandY, class: 'whisker'}));
  for (const end of ['min', 'max']) {
    root.append(svg(
        'line',
        {x1: scale(v[end]), x2: scale(v[end]), y1: bandY - 8, y2: bandY + 8, class: 'whisker'}));
  }
  root.append(svg('rect', {
    x: scale(v.p50),
    y: bandY - 12,
    width: Math.max(2, scale(v.p95) - scale(v.p50)),
    height: 24,
    rx: 3,
    class: 'band'
  }));
  for (const name of ['p80', 'p90', 'p95']) {
    root.append(svg(
        'line',
        {x1: scale(v[name]), x2: scale(v[name]), y1: bandY - 12, y2: bandY + 12, class: 'tick'}));
  }
  root.append(
      svg('line',
          {x1: scale(v.p50), x2: scale(v.p50), y1: bandY - 15, y2: bandY + 15, class: 'median'}));
  // Percentile names above the band; a name that would touch the one before
  // it moves up a row.
  const rowEnd = [-Infinity, -Infinity];
  for (const name of ['min', 'p50', 'p80', 'p90', 'p95', 'max']) {
    const lx = scale(v[name]);
    const w = textWidth(name, 10.5) + 6;
    const row = lx - w / 2 >= rowEnd[0] ? 0 : 1;
    rowEnd[row] = lx + w / 2;
    root.append(
        text(lx, bandY - 19 - row * 12, name, {'text-anchor': 'middle', class: 'strip-label'}));
  }
  if (normDays) {
    const nx = scale(normDays);
    const label = `norm ${fmt.days(normDays)} d`;
    const w = textWidth(label, 11);
    root.append(svg('line', {x1: nx, x2: nx, y1: bandY - 16, y2: axisY, class: 'norm-line'}));
    root.append(text(
        nx + w + 8 > width ? nx - 4 : nx + 4, bandY + 28, label,
        {class: 'norm-label', 'text-anchor': nx + w + 8 > width ? 'end' : 'start'}));
  }
  return root;
}
