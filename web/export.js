// Downloads of what a panel shows: its numbers as CSV (comma-separated, a
// header row, UTF-8 with BOM so Excel reads the accents; cells a spreadsheet
// would run as a formula get a leading quote, as in every CSV the engine
// writes) and its chart as SVG or PNG. Works offline: everything is made in
// the page.
import {h} from './dom.js';

// One CSV cell: quoted when it holds a separator, quote or line break;
// '=', '+', '-', '@', tab or CR first (and not a plain number) -> leading "'".
function cell(value) {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    text = `'${text}`;
  }
  return /[",\n\r]/.test(text) || text !== String(value) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns, rows) {
  return [columns, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = h('a', {href: url, download: name});
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The SVG with the page's computed styles written onto every element, so that
// it looks the same outside the page (the dashboard styles its charts by class).
const STYLED = [
  'fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'font-size', 'font-weight', 'font-family',
  'opacity', 'text-anchor'
];
function standalone(svg) {
  const copy = svg.cloneNode(true);
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const style = getComputedStyle(el);
    to[i].setAttribute('style', STYLED.map((p) => `${p}:${style.getPropertyValue(p)}`).join(';'));
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const box = svg.getBoundingClientRect();
  if (!copy.getAttribute('width')) copy.setAttribute('width', Math.round(box.width));
  if (!copy.getAttribute('height')) copy.setAttribute('height', Math.round(box.height));
  return new XMLSerializer().serializeToString(copy);
}

export function svgBlob(svg) {
  return new Blob([standalone(svg)], {type: 'image/svg+xml'});
}

// The chart drawn on a white canvas at twice its size.
export async function pngBlob(svg) {
  const text = standalone(svg);
  const image = new Image();
  const url = URL.createObjectURL(new Blob([text], {type: 'image/svg+xml'}));
  try {
    image.src = url;
    await image.decode();
    const scale = 2;
    const canvas = h('canvas', {width: image.width * scale, height: image.height * scale});
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

// Buttons in the panel's heading: CSV of table() ({columns, rows}, or null
// when there is nothing to show), and SVG/PNG of the panel's chart when it
// has one. `name()` gives the file name without extension.
export function addTools(panel, {name, table}) {
  const chart = () => panel.querySelector('svg.chart, svg.flowmap, svg.strip');
  const button = (label, testid, act) =>
      h('button', {type: 'button', class: 'tool', 'data-testid': testid, onclick: act}, label);
  const tools = h('span', {class: 'panel-tools', role: 'group', 'aria-label': 'Downloaden'}, [
    button(
        'CSV', `${panel.id}-csv`,
        () => {
          const t = table();
          if (!t) return;
          download(
              `${name()}.csv`,
              new Blob(['\ufeff', toCsv(t.columns, t.rows)], {type: 'text/csv;charset=utf-8'}));
        }),
    button(
        'SVG', `${panel.id}-svg`,
        () => {
          const svg = chart();
          if (svg) download(`${name()}.svg`, svgBlob(svg));
        }),
    button(
        'PNG', `${panel.id}-png`,
        async () => {
          const svg = chart();
          if (svg) download(`${name()}.png`, await pngBlob(svg));
        }),
  ]);
  panel.querySelector('h2').append(tools);
}
