// The ketenflow operator dashboard: for a chain and a period it shows goal
// tiles, the flow map, the handover-delay distribution of one transition,
// trend lines per week or month and, for operators and admins, the stuck-case
// list with each client's path. Reads only the /v1 API with the user's token;
// every panel shows its own error instead of going blank.
import * as api from './api.js';
import * as charts from './charts.js';
import {h} from './dom.js';
import * as exporter from './export.js';
import * as fmt from './format.js';
import * as login from './login.js';

const $ = (id) => document.getElementById(id);

// What the user looks at; mirrored in the URL fragment (without the token).
const view = {
  chainId: '',
  from: '',  // ISO day, inclusive; '' = unbounded
  to: '',    // ISO day, exclusive (as the API); '' = unbounded
  by: 'month',
  transition: '',  // "from→to"
  partner: '',     // '' = all; else the stages it owns, transitions touching them, its measures
  compare: 'previous',  // goals trend against: 'previous' period or the same days a 'year' earlier
};

// What the API told us.
const data = {
  me: null,
  chains: [],
  chain: null,
  flow: null,
  kpis: null,
  lastDataDay: new Map(),  // chain id -> last local day with data (Date)
  serverToday: new Map(),  // chain id -> the engine's today in the chain's time zone (Date)
};

let generation = 0;  // discards answers to superseded requests

// ---------------------------------------------------------------------------
// Small DOM helpers.

function showError(container, err, what) {
  if (err instanceof api.ApiFailure && err.status === 401) {
    signOut('Uw token is niet (meer) geldig. Meld u opnieuw aan.');
    return;
  }
  container.replaceChildren(
      h('p', {class: 'error', 'data-testid': 'panel-error'},
        `${what} kon niet worden geladen. ${api.describe(err)}`));
}

function loading(container) {
  container.replaceChildren(h('p', {class: 'muted loading'}, 'Laden…'));
}

function banner(message) {
  const el = $('banner');
  el.textContent = message || '';
  el.hidden = !message;
}

function stageName(id) {
  return data.chain?.stages?.find((s) => s.id === id)?.name || id;
}

function partnerName(id) {
  return data.chain?.partners?.find((p) => p.id === id)?.name || id;
}

function milestoneName(id) {
  return data.chain?.milestones?.find((m) => m.id === id)?.name || id;
}

function transitionLabel(key) {
  const [from, to] = key.split('→');
  return `${stageName(from)} → ${stageName(to)}`;
}

// ---------------------------------------------------------------------------
// URL fragment: #chain=…&from=…&to=…&by=…&transition=…

function readFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  view.chainId = params.get('chain') || '';
  const valid = (d) => (/^\d{4}-\d{2}-\d{2}$/.test(d ?? '') ? d : '');
  view.from = valid(params.get('from'));
  view.to = valid(params.get('to'));
  view.by = params.get('by') === 'week' ? 'week' : 'month';
  view.transition = params.get('transition') || '';
  view.compare = params.get('compare') === 'year' ? 'year' : 'previous';
  view.partner = params.get('partner') || '';
  return params.has('from') || params.has('to');
}

function writeFragment() {
  const params = new URLSearchParams();
  params.set('chain', view.chainId);
  // Empty bounds are kept ("alles"), so a reload does not pick a preset.
  params.set('from', view.from);
  params.set('to', view.to);
  params.set('by', view.by);
  if (view.transition) params.set('transition', view.transition);
  if (view.compare === 'year') params.set('compare', 'year');
  if (view.partner) params.set('partner', view.partner);
  history.replaceState(null, '', '#' + params.toString());
}

// ---------------------------------------------------------------------------
// Dates. The inputs show an inclusive end ("t/m"); the API takes an exclusive
// `to`.

function parseDay(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(y, m - 1, d);
}

function addDays(iso, n) {
  const d = parseDay(iso);
  d.setDate(d.getDate() + n);
  return fmt.isoDay(d);
}

// The same day a year earlier; 29 February gives the 28th (as the engine's
// kpi::year_before, which `goals` defaults with).
function yearBefore(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const day = m === 2 && d === 29 ? 28 : d;
  return `${y - 1}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// The day presets count back from: today, or the last day with data when the
// store holds only older events (a replayed or simulated history). The same
// rule as the engine's default `goals` period (query/goal_query.h).
function anchorDay() {
  const today = data.serverToday.get(view.chainId) ?? new Date();
  const last = data.lastDataDay.get(view.chainId);
  const anchor = last && last < today ? last : today;
  return fmt.isoDay(anchor);
}

function applyPreset(preset) {
  const end = addDays(anchorDay(), 1);  // exclusive
  const endDate = parseDay(end);
  switch (preset) {
    case '4w':
      view.from = addDays(end, -28);
      view.to = end;
      view.by = 'week';
      break;
    case '3m': {
      const d = new Date(endDate);
      d.setMonth(d.getMonth() - 3);
      view.from = fmt.isoDay(d);
      view.to = end;
      view.by = 'week';
      break;
    }
    case '12m':
      view.from = yearBefore(end);
      view.to = end;
      view.by = 'month';
      break;
    case 'year': {
      const year = parseDay(anchorDay()).getFullYear();
      view.from = `${year}-01-01`;
      view.to = `${year + 1}-01-01`;
      view.by = 'month';
      break;
    }
    default:
      view.from = '';
      view.to = '';
      view.by = 'month';
  }
}

function periodText() {
  if (!view.from && !view.to) return 'alle gegevens';
  const from = view.from ? fmt.date(view.from + 'T00:00:00') : 'begin';
  const to = view.to ? fmt.date(addDays(view.to, -1) + 'T00:00:00') : 'nu';
  return `${from} t/m ${to}`;
}

function range() {
  return {from: view.from, to: view.to};
}

// ---------------------------------------------------------------------------
// Sign-in.

function showLogin(message) {
  document.body.dataset.state = 'login';
  $('boot').hidden = true;
  $('dashboard').hidden = true;
  $('filters').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  const msg = $('login-message');
  msg.textContent = message || '';
  msg.hidden = !message;
  $('token').value = '';
  $('token').focus();
}

function signOut(message) {
  api.clearToken();
  data.me = null;
  generation++;
  showLogin(message);
}

async function signIn() {
  banner('');
  try {
    data.me = await api.get('/v1/me');
  } catch (err) {
    if (err instanceof api.ApiFailure && err.status === 401) {
      signOut(api.token() ? 'Deze token is niet bekend of ingetrokken.' : '');
      return;
    }
    showLogin('');
    banner(`Aanmelden lukte niet. ${api.describe(err)}`);
    return;
  }
  const me = data.me;
  const roleName = {admin: 'beheerder', operator: 'ketenregisseur', analyst: 'analist'}[me.role] ||
      me.role;
  $('who-name').textContent = `${me.name} · ${roleName}${me.partner ? ' · ' + me.partner : ''}`;
  $('who-name').dataset.role = me.role;
  $('who').hidden = false;
  $('login').hidden = true;
  $('boot').hidden = true;

  try {
    const list = await api.get('/v1/chains');
    data.chains = list.chains ?? [];
  } catch (err) {
    $('dashboard').hidden = false;
    showError($('goals'), err, 'De lijst van ketens');
    document.body.dataset.state = 'ready';
    return;
  }
  if (!data.chains.length) {
    banner('Er zijn nog geen ketens geladen in deze opslag.');
    document.body.dataset.state = 'ready';
    return;
  }
  if (me.partner) {
    const partner = data.chains.flatMap((c) => c.partners ?? []).find((p) => p.id === me.partner);
    if (partner?.name) $('who-name').textContent = `${me.name} · ${roleName} · ${partner.name}`;
  }
  const select = $('chain');
  select.replaceChildren(...data.chains.map((c) => h('option', {value: c.id}, c.name || c.id)));
  const hadPeriod = readFragment();
  if (!data.chains.some((c) => c.id === view.chainId)) view.chainId = data.chains[0].id;
  select.value = view.chainId;
  $('filters').hidden = false;
  $('dashboard').hidden = false;
  await loadChain(!hadPeriod);
}

// ---------------------------------------------------------------------------
// Loading a chain and a period.

// The chain's last data day (`dataUntil`: the last day a client entered a
// stage), which the engine's `goals` counts back from too, so the presets land
// on data even when the events are old.
async function findLastDataDay(chainId) {
  if (data.lastDataDay.has(chainId)) return;
  try {
    const report = await api.get(`/v1/chains/${encodeURIComponent(chainId)}/kpis`);
    if (report.dataUntil) data.lastDataDay.set(chainId, parseDay(report.dataUntil));
    if (report.today) data.serverToday.set(chainId, parseDay(report.today));
  } catch {
    // Presets then count back from today.
  }
}

async function loadChain(choosePeriod) {
  const gen = ++generation;
  document.body.dataset.state = 'loading';
  $('chain-title').textContent =
      data.chains.find((c) => c.id === view.chainId)?.name || view.chainId;
  try {
    data.chain = await api.get(`/v1/chains/${encodeURIComponent(view.chainId)}`);
  } catch (err) {
    if (gen !== generation) return;
    data.chain = null;
    showError($('flow'), err, 'De keten');
    document.body.dataset.state = 'ready';
    return;
  }
  if (gen !== generation) return;
  $('chain-title').textContent = data.chain.name || data.chain.id;
  if (choosePeriod) {
    await findLastDataDay(view.chainId);
    if (gen !== generation) return;
    applyPreset('12m');
  }
  fillPartnerFilter();
  fillStageFilter();
  await refresh();
}

function syncInputs() {
  $('from').value = view.from;
  $('to').value = view.to ? addDays(view.to, -1) : '';
  for (const radio of document.querySelectorAll('input[name=compare]')) {
    radio.checked = radio.value === view.compare;
  }
  for (const radio of document.querySelectorAll('input[name=by]')) {
    radio.checked = radio.value === view.by;
  }
  for (const el of document.querySelectorAll('.per-label')) {
    el.textContent = `per ${view.by === 'week' ? 'week' : 'maand'}`;
  }
  $('goals-period').textContent = periodText();
}

async function refresh() {
  const gen = ++generation;
  syncInputs();
  writeFragment();
  banner('');
  const chainPath = `/v1/chains/${encodeURIComponent(view.chainId)}`;
  document.body.dataset.state = 'loading';
  const jobs = [loadFlow(gen, chainPath), loadTrends(gen, chainPath), loadGoals(gen, chainPath)];
  if (canSeeClients()) jobs.push(loadStuck(gen, chainPath));
  $('stuck-panel').hidden = !canSeeClients();
  await Promise.all(jobs);
  if (gen === generation) document.body.dataset.state = 'ready';
}

function canSeeClients() {
  return data.me?.role === 'operator' || data.me?.role === 'admin';
}

// ---------------------------------------------------------------------------
// Flow map and transitions.

async function loadFlow(gen, chainPath) {
  loading($('flow'));
  try {
    const flow = await api.get(`${chainPath}/flow`, range());
    if (gen !== generation) return;
    data.flow = flow;
  } catch (err) {
    if (gen !== generation) return;
    data.flow = null;
    showError($('flow'), err, 'De stroomkaart');
    $('dist').replaceChildren();
    $('transition').replaceChildren();
    return;
  }
  const transitions = (data.flow.transitions ?? []).filter((t) => touchesFocus(t));
  const keys = transitions.map(charts.transitionKey);
  if (!keys.includes(view.transition)) {
    // Default: the busiest handover with a norm, else the busiest transition.
    const ranked = [...transitions].sort(
        (a, b) => (b.norm?.days ? 1 : 0) - (a.norm?.days ? 1 : 0) ||
            (fmt.countValue(b.count) ?? 0) - (fmt.countValue(a.count) ?? 0));
    view.transition = ranked.length ? charts.transitionKey(ranked[0]) : '';
    writeFragment();
  }
  renderFlow();
  renderTransitionSelect();
  renderDistribution();
  renderTransitionTrend();
}

function renderFlow() {
  const container = $('flow');
  if (!data.flow) return;
  if (!(data.flow.stages ?? []).length && !(data.chain?.stages ?? []).length) {
    container.replaceChildren(h('p', {class: 'muted'}, 'Deze keten heeft nog geen fasen.'));
    return;
  }
  // Every stage shows at any width: the map where its boxes fit, else the list.
  const width = container.clientWidth || 1000;
  const stageCount = charts.orderedStages(data.chain, data.flow.stages).length;
  const draw = width >= charts.flowMapMinWidth(stageCount) ? charts.flowMap : charts.flowList;
  container.replaceChildren(draw({
    chain: data.chain,
    report: data.flow,
    width,
    selected: view.transition,
    onSelect: selectTransition,
    focus: focusStages(),
  }));
  if (!(data.flow.transitions ?? []).length) {
    container.append(h('p', {class: 'muted'}, 'Geen overgangen in deze periode.'));
  }
  $('flow-legend').replaceChildren(charts.flowLegend(data.chain));
}

function renderTransitionSelect() {
  const select = $('transition');
  const focus = focusStages();
  const transitions = (data.flow?.transitions ?? []).filter((t) => touchesFocus(t, focus));
  const stages = charts.orderedStages(data.chain, data.flow?.stages);
  const rank = new Map(stages.map((s, i) => [s.id, i]));
  const sorted = [...transitions].sort(
      (a, b) => (rank.get(a.from) ?? 99) - (rank.get(b.from) ?? 99) ||
          (rank.get(a.to) ?? 99) - (rank.get(b.to) ?? 99));
  select.replaceChildren(...sorted.map((t) => {
    const key = charts.transitionKey(t);
    return h('option', {value: key}, `${transitionLabel(key)} (${fmt.count(t.count)})`);
  }));
  select.value = view.transition;
  select.disabled = !sorted.length;
}

function selectTransition(key) {
  if (!key || key === view.transition) return;
  view.transition = key;
  writeFragment();
  renderFlow();
  $('transition').value = key;
  renderDistribution();
  renderTransitionTrend();
}

function currentTransition() {
  return (data.flow?.transitions ?? []).find((t) => charts.transitionKey(t) === view.transition);
}

function renderDistribution() {
  const container = $('dist');
  const t = currentTransition();
  if (!t) {
    container.replaceChildren(
        h('p', {class: 'muted'}, 'Geen overgang gekozen of geen overgangen in deze periode.'));
    return;
  }
  const delay = t.delay ?? {};
  const hidden = fmt.isSuppressed(t.count);
  const normDays = t.norm?.days;
  const stat = (key) => fmt.secondsAsDays(charts.stat(delay, key));
  const cell = (label, value, testid, extra = '') => h('div', {class: `stat ${extra}`}, [
    h('span', {class: 'stat-label'}, label),
    h('span', {class: 'stat-value', 'data-testid': testid}, value)
  ]);
  const head = h('div', {class: 'dist-head'}, [
    h('div', {class: 'dist-title', 'data-testid': 'dist-transition'},
      transitionLabel(view.transition)),
    t.norm?.days ?
        h('span', {class: `pill ${charts.shareClass(t)}`}, `norm ${fmt.norm(normDays)}`) :
        h('span', {class: 'pill none'}, 'geen norm'),
  ]);
  const nodes = [head];
  if (hidden || charts.stat(delay, 'p50Seconds') === undefined) {
    nodes.push(
        h('p', {class: 'muted note'},
          hidden ?
              `Minder dan ${
                  data.me?.k ?? 'k'} cliënten in deze periode: de verdeling wordt niet getoond.` :
              'Geen metingen in deze periode.'));
  } else {
    const width = Math.max(320, container.clientWidth || 420);
    nodes.push(charts.percentileStrip({delay, normDays, width}));
  }
  nodes.push(h('div', {class: 'stats'}, [
    cell('aantal', fmt.count(t.count), 'dist-count'),
    cell(
        'binnen norm', t.norm?.days ? fmt.share(t.norm.share) : fmt.DASH, 'dist-share',
        charts.shareClass(t)),
    cell('gemiddeld', stat('meanSeconds'), 'dist-mean'),
    cell('min', stat('minSeconds'), 'dist-min'),
    cell('max', stat('maxSeconds'), 'dist-max'),
    cell('p50 (mediaan)', stat('p50Seconds'), 'dist-p50'),
    cell('p80', stat('p80Seconds'), 'dist-p80'),
    cell('p90', stat('p90Seconds'), 'dist-p90'),
    cell('p95', stat('p95Seconds'), 'dist-p95'),
  ]));
  container.replaceChildren(...nodes);
}

// ---------------------------------------------------------------------------
// Trends per week or month.

async function loadTrends(gen, chainPath) {
  for (const id of ['trend-counts', 'trend-lead', 'transition-trend']) loading($(id));
  try {
    const report = await api.get(`${chainPath}/kpis`, {...range(), by: view.by});
    if (gen !== generation) return;
    data.kpis = report;
  } catch (err) {
    if (gen !== generation) return;
    data.kpis = null;
    for (const id of ['trend-counts', 'trend-lead', 'transition-trend']) {
      showError($(id), err, 'Het verloop');
    }
    return;
  }
  renderTrends();
  renderTransitionTrend();
}

function periods() {
  return data.kpis?.periods ?? [];
}

// Per period: true when it is not a whole week or month that has passed
// (it holds today or later, or the chosen range cuts it).
function partialPeriods() {
  const today = data.kpis?.today ?? '';
  return periods().map((p) => {
    if (!p.from || !p.to) return true;
    if (today && p.to > today) return true;
    if (view.by === 'week') return Math.round((parseDay(p.to) - parseDay(p.from)) / 864e5) !== 7;
    const [y, m] = p.from.split('-').map(Number);
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    return !p.from.endsWith('-01') || p.to !== next;
  });
}

// A note under a chart whose last or first period is not complete.
function notePartial(container) {
  if (!partialPeriods().some(Boolean)) return;
  container.append(
      h('p', {class: 'muted note', 'data-testid': 'partial-note'},
        'Open punt: periode niet compleet (loopt nog, of valt deels buiten de gekozen dagen).'));
}

function chartWidth(container) {
  return Math.max(240, container.clientWidth || 560);
}

function noteIfHidden(container, series) {
  const hidden = series.some((s) => s.hidden?.some(Boolean));
  const drawn = series.some((s) => s.values.some((v) => typeof v === 'number'));
  if (hidden && drawn) {
    container.append(
        h('p', {class: 'muted note'},
          `Punten met minder dan ${data.me?.k ?? 'k'} cliënten worden niet getoond.`));
  }
}

// A chart, or a note when no period has a value to show.
function chartOrNote(series, draw) {
  if (!series.some((s) => s.values.some((v) => typeof v === 'number'))) {
    const hidden = series.some((s) => s.hidden?.some(Boolean));
    return h(
        'p', {class: 'muted note'},
        hidden ?
            `Geen waarden te tonen: elke periode telt minder dan ${data.me?.k ?? 'k'} cliënten.` :
            'Geen metingen in deze perioden.');
  }
  return draw();
}

function legend(series) {
  return h(
      'div', {class: 'legend'},
      series.map((s) => h('span', {class: 'legend-item'}, [
                   h('i', {class: 'swatch line', style: `background:${s.color}`}), s.name
                 ])));
}

function renderTrends() {
  if (!data.kpis) return;
  const list = periods();
  const labels = list.map((p) => p.period);
  const first = charts.orderedStages(data.chain, data.kpis?.stages)[0];
  const firstName = first ? stageName(first.id) : 'eerste fase';
  const countOrNull = (v) => (fmt.isSuppressed(v) ? null : fmt.countValue(v));
  const counts = [
    {
      name: `instroom (${firstName})`,
      color: '#0072b2',
      values: list.map((p) => countOrNull(p.stages?.find((s) => s.stage === first?.id)?.entries)),
      hidden:
          list.map((p) => fmt.isSuppressed(p.stages?.find((s) => s.stage === first?.id)?.entries))
    },
    {
      name: 'afgerond',
      color: '#009e73',
      values: list.map((p) => countOrNull(p.leadTime?.count)),
      hidden: list.map((p) => fmt.isSuppressed(p.leadTime?.count))
    },
  ];
  const countBox = $('trend-counts');
  if (!list.length) {
    countBox.replaceChildren(h('p', {class: 'muted'}, 'Geen perioden in deze selectie.'));
    $('trend-lead').replaceChildren(h('p', {class: 'muted'}, 'Geen perioden in deze selectie.'));
    return;
  }
  countBox.replaceChildren(legend(counts), chartOrNote(counts, () => charts.lineChart({
                             labels,
                             series: counts,
                             width: chartWidth(countBox),
                             yFormat: (v) => fmt.count(Math.round(v)),
                             minStep: 1,
                             testid: 'trend-counts',
                             partial: partialPeriods()
                           })));
  noteIfHidden(countBox, counts);
  notePartial(countBox);

  const toDays = (stats, key) => {
    const v = charts.stat(stats, key);
    return v === undefined ? null : v / 86400;
  };
  const lead = [
    {
      name: 'mediaan (p50)',
      color: '#0072b2',
      values: list.map((p) => toDays(p.leadTime, 'p50Seconds')),
      hidden: list.map((p) => fmt.isSuppressed(p.leadTime?.count))
    },
    {
      name: 'p90',
      color: '#cc79a7',
      dashed: true,
      values: list.map((p) => toDays(p.leadTime, 'p90Seconds'))
    },
  ];
  const leadBox = $('trend-lead');
  leadBox.replaceChildren(legend(lead), chartOrNote(lead, () => charts.lineChart({
                            labels,
                            series: lead,
                            width: chartWidth(leadBox),
                            yFormat: (v) => `${fmt.days(v)} d`,
                            testid: 'trend-lead',
                            partial: partialPeriods()
                          })));
  noteIfHidden(leadBox, lead);
  notePartial(leadBox);
}

// Share within norm (or, without a norm, the median delay) of the chosen
// transition per period.
function renderTransitionTrend() {
  const box = $('transition-trend');
  if (!data.kpis || !data.flow) return;
  const key = view.transition;
  const title = $('transition-trend-title');
  if (!key) {
    title.textContent = 'Verloop van de overgang';
    box.replaceChildren(h('p', {class: 'muted'}, 'Kies een overgang.'));
    return;
  }
  const list = periods();
  const labels = list.map((p) => p.period);
  const find = (p) => (p.transitions ?? []).find((t) => charts.transitionKey(t) === key);
  const hasNorm = Boolean(currentTransition()?.norm?.days);
  const per = view.by === 'week' ? 'week' : 'maand';
  let series;
  let yFormat;
  let yMax;
  if (hasNorm) {
    title.textContent = `Binnen de norm per ${per}: ${transitionLabel(key)}`;
    series = [{
      name: '% binnen norm',
      color: '#0072b2',
      values: list.map((p) => {
        const t = find(p);
        return t && typeof t.norm?.share === 'number' && !fmt.isSuppressed(t.count) &&
                fmt.countValue(t.count) > 0 ?
            t.norm.share * 100 :
            null;
      }),
      hidden: list.map((p) => fmt.isSuppressed(find(p)?.count))
    }];
    yFormat = (v) => `${Math.round(v)} %`;
    yMax = 100;
  } else {
    title.textContent = `Mediane overdrachtstijd per ${per}: ${transitionLabel(key)}`;
    series = [{
      name: 'mediaan (dagen)',
      color: '#0072b2',
      values: list.map((p) => {
        const v = charts.stat(find(p)?.delay, 'p50Seconds');
        return v === undefined ? null : v / 86400;
      }),
      hidden: list.map((p) => fmt.isSuppressed(find(p)?.count))
    }];
    yFormat = (v) => `${fmt.days(v)} d`;
  }
  if (!list.length) {
    box.replaceChildren(h('p', {class: 'muted'}, 'Geen perioden in deze selectie.'));
    return;
  }
  box.replaceChildren(chartOrNote(series, () => charts.lineChart({
    labels,
    series,
    width: chartWidth(box),
    yFormat,
    yMax,
    testid: 'transition-trend',
    partial: partialPeriods()
  })));
  noteIfHidden(box, series);
  notePartial(box);
}

// ---------------------------------------------------------------------------
// Goal tiles.

async function loadGoals(gen, chainPath) {
  const box = $('goals');
  loading(box);
  let tree = null;
  try {
    tree = await api.get(`${chainPath}/goals`, {...range(), compare: view.compare});
  } catch (err) {
    if (gen !== generation) return;
    if (!(err instanceof api.ApiFailure && err.status === 404)) {
      showError(box, err, 'De doelen');
      return;
    }
  }
  if (gen !== generation) return;
  if (tree && (tree.goals ?? []).some((g) => (g.measures ?? []).length)) {
    renderGoals(tree);
    return;
  }
  // No goals: the basic tiles from the KPI report of the period.
  try {
    const report = await api.get(`${chainPath}/kpis`, range());
    if (gen !== generation) return;
    renderBasicTiles(report);
  } catch (err) {
    if (gen !== generation) return;
    showError(box, err, 'De kengetallen');
  }
}

function tile({title, value, valueTestid, sub = [], status = '', testid, badge, small = false}) {
  return h('article', {class: `tile ${status}`, 'data-testid': testid}, [
    h('div', {class: 'tile-title'}, [title, badge ? h('span', {class: 'badge'}, badge) : null]),
    h('div', {class: `tile-value${small ? ' small' : ''}`, 'data-testid': valueTestid}, value),
    ...sub.map((line) => h('div', {class: 'tile-sub'}, line)),
  ]);
}

function renderBasicTiles(report) {
  const first = charts.orderedStages(data.chain, report.stages)[0];
  const entries = report.stages?.find((s) => s.stage === first?.id)?.entries;
  const lead = report.leadTime;
  const cd = report.caseDuration;
  const tiles = [
    tile({
      title: `Instroom (${first ? stageName(first.id) : '—'})`,
      value: fmt.count(entries),
      valueTestid: 'tile-entries',
      testid: 'tile',
      sub: ['cliënten die de keten binnenkwamen']
    }),
    tile({
      title: 'Afgerond',
      value: fmt.count(lead?.count),
      valueTestid: 'tile-completed',
      testid: 'tile',
      sub: ['cliënten die de laatste mijlpaal bereikten']
    }),
    tile({
      title: 'Doorlooptijd tot afronding (mediaan)',
      value: fmt.secondsAsDays(charts.stat(lead, 'p50Seconds')),
      valueTestid: 'tile-lead-time',
      testid: 'tile',
      sub:
          [h('span', {},
             [
               'p90 ',
               h('b', {'data-testid': 'tile-lead-time-p90'},
                 fmt.secondsAsDays(charts.stat(lead, 'p90Seconds'))),
               ' · gemiddeld ', fmt.secondsAsDays(charts.stat(lead, 'meanSeconds'))
             ])]
    }),
    tile({
      title: 'Duur dossier (mediaan)',
      value: fmt.secondsAsDays(charts.stat(cd, 'p50Seconds')),
      valueTestid: 'tile-case-duration',
      testid: 'tile',
      sub: [
        h('span', {},
          ['over ', h('b', {'data-testid': 'tile-case-count'}, fmt.count(cd?.count)), ' cliënten'])
      ]
    }),
  ];
  $('goals').replaceChildren(h('section', {class: 'goal'}, [
    h('h3', {}, 'Kengetallen'),
    h('p', {class: 'muted note'}, 'Voor deze keten zijn geen doelen vastgelegd.'),
    h('div', {class: 'tiles'}, tiles),
  ]));
}

// The headline value of a measure (README "KPI definitions"): the share of
// clients that met it (within the norm, reached in time, no relapse, all
// before); for a duration without a norm, its median.
function measureHeadline(result) {
  if (!result) return {text: fmt.DASH, kind: 'none'};
  if (result.kind === 'duration' && !result.normDays) {
    const p50 = charts.stat(result.duration, 'p50Seconds');
    return p50 === undefined ? {text: fmt.DASH, kind: 'duration'} :
                               {text: fmt.secondsAsDays(p50), kind: 'duration', value: p50 / 86400};
  }
  const running = stillRunning(result);
  if (running !== null && running > (fmt.countValue(result.clients) ?? Infinity)) {
    // Mostly not decided yet: the counts say so instead of a (red) share.
    return {
      text: `${fmt.count(result.met)} van ${fmt.count(result.clients)} beslist`,
      kind: 'undecided',
      running
    };
  }
  if (typeof result.share !== 'number' || !(fmt.countValue(result.clients) > 0)) {
    return {text: fmt.DASH, kind: 'share'};
  }
  return {text: fmt.share(result.share), kind: 'share', value: result.share};
}

// Clients whose outcome on a share measure is still open (started, not
// finished, or their window not passed); null when hidden or not a share.
function stillRunning(result) {
  if (result.kind === 'duration' && !result.normDays) return null;
  if (fmt.isSuppressed(result.open) || fmt.isSuppressed(result.pending) ||
      fmt.isSuppressed(result.clients)) {
    return null;
  }
  return (result.open ?? 0) + (result.pending ?? 0);
}

// Whether the current share meets the target: 'good', 'poor' or ''.
function targetStatus(result, headline) {
  if (typeof result?.target !== 'number' || headline.kind !== 'share' ||
      headline.value === undefined) {
    return '';
  }
  return headline.value >= result.target ? 'good' : 'poor';
}

// Change against the previous period of equal length: shares in percentage
// points (up is better), durations without a norm in days of the mean (down
// is better).
function trendMark(node) {
  const cur = measureHeadline(node.current);
  const prev = measureHeadline(node.previous);
  if (typeof node.trend !== 'number' || prev.value === undefined || cur.value === undefined) {
    return prev.value === undefined ?
        null :
        h('span', {class: 'trend'}, [`${comparedWith()} `, h('b', {}, prev.text)]);
  }
  const t = node.trend;
  const isShare = cur.kind === 'share';
  const arrow = t > 0 ? '▲' : t < 0 ? '▼' : '▬';
  const better = isShare ? t > 0 : t < 0;
  const cls = t === 0 ? 'flat' : better ? 'better' : 'worse';
  const sign = t > 0 ? '+' : t < 0 ? '−' : '±';
  const amount =
      isShare ? `${sign}${fmt.days(Math.abs(t) * 100)} pp` : `${sign}${fmt.days(Math.abs(t))} d`;
  return h(
      'span', {class: `trend ${cls}`, 'data-testid': 'measure-trend'},
      [`${arrow} ${amount}`, ` t.o.v. ${comparedWith()} (`, prev.text, ')']);
}

function comparedWith() {
  return view.compare === 'year' ? 'een jaar eerder' : 'vorige periode';
}

function measureTile(node) {
  const r = node.current ?? {};
  const headline = measureHeadline(r);
  const id = r.measure || 'measure';
  const sub = [];
  const terms = [];
  if (r.normDays) {
    terms.push(
        `${r.kind === 'duration' ? 'norm' : 'termijn'} ${fmt.norm(r.normDays, r.workingDays)}`);
  }
  if (typeof r.target === 'number') terms.push(`doel ≥ ${fmt.share(r.target)}`);
  if (terms.length) sub.push(terms.join(' · '));
  const clients = h('b', {'data-testid': `measure-clients-${id}`}, fmt.count(r.clients));
  const line = headline.kind === 'share' ?
      [
        h('b', {'data-testid': `measure-met-${id}`}, fmt.count(r.met)), ' van ', clients,
        ' cliënten'
      ] :
      [clients, ' cliënten'];
  const p50 = charts.stat(r.duration, 'p50Seconds');
  if (headline.kind === 'share' && p50 !== undefined)
    line.push(' · mediaan ', fmt.secondsAsDays(p50));
  sub.push(h('span', {}, line));
  const open = [];
  if (headline.kind === 'undecided') {
    open.push(
        h('span', {'data-testid': `measure-running-${id}`},
          `${fmt.count(headline.running)} lopend, te vroeg voor een percentage`));
  } else if (fmt.isSuppressed(r.open) || fmt.countValue(r.open) > 0) {
    open.push(`${fmt.count(r.open)} lopend`);
  }
  if (fmt.isSuppressed(r.overdue) || fmt.countValue(r.overdue) > 0) {
    open.push(`${fmt.count(r.overdue)} over de norm`);
  }
  if (r.provisional) open.push(`${fmt.count(r.pending)} nog niet afgelopen`);
  if (open.length) sub.push(h('span', {}, open.flatMap((part, i) => (i ? [' · ', part] : [part]))));
  const trend = trendMark(node);
  if (trend) sub.push(trend);
  // The partner filter (only when the partner is one of this chain's).
  const partner = focusStages() ? view.partner : '';
  const contributions =
      (node.contributions ?? [])
          .filter((c) => !partner || c.current?.partner === partner)
          .map((c) => {
            const cr = c.current ?? {};
            const ch = measureHeadline(cr);
            const target = typeof cr.target === 'number' ? ` (doel ≥ ${fmt.share(cr.target)})` : '';
            return h('li', {title: `${cr.name || cr.measure}${target}`}, [
              h('span', {class: 'contrib-name'},
                [
                  cr.name || cr.measure, cr.partner ? h('small', {}, partnerName(cr.partner)) : null
                ]),
              h('b', {class: targetStatus(cr, ch), 'data-testid': `measure-value-${cr.measure}`},
                ch.text)
            ]);
          });
  if (contributions.length) {
    sub.push(
        h('div', {class: 'contrib-head'}, 'bijdrage partners'),
        h('ul', {class: 'contributions'}, contributions));
  }
  const title = r.name || r.measure;
  return tile({
    title,
    value: headline.text,
    valueTestid: `measure-value-${id}`,
    sub,
    status: targetStatus(r, headline),
    testid: `measure-${id}`,
    badge: headline.kind === 'undecided' ? 'grotendeels open' :
        r.provisional                    ? 'voorlopig' :
                                           '',
    small: headline.kind === 'undecided'
  });
}

function renderGoals(tree) {
  const groups = (tree.goals ?? [])
                     .filter((g) => (g.measures ?? []).length)
                     .map(
                         (goal) => h(
                             'section', {
                               class: 'goal',
                               'data-testid': `goal-${goal.id}`,
                               style: `flex-grow: ${goal.measures.length}`
                             },
                             [
                               h('h3', {}, goal.name || goal.id),
                               h('div', {class: 'tiles'}, goal.measures.map((m) => measureTile(m))),
                             ]));
  const note = tree.previousFrom ?
      h('p', {class: 'muted note', 'data-testid': 'goals-compared'},
        `Vergeleken met ${fmt.date(tree.previousFrom + 'T00:00:00')} t/m ` +
            `${fmt.date(addDays(tree.previousTo, -1) + 'T00:00:00')}.`) :
      null;
  $('goals').replaceChildren(h('div', {class: 'goals'}, groups));
  if (note) $('goals').append(note);
}

// ---------------------------------------------------------------------------
// Stuck clients and client paths (operators and admins).

// The stages of the partner filter (all when no partner is chosen, or when the
// chosen one is not a partner of this chain).
function focusStages() {
  const stages = charts.orderedStages(data.chain);
  if (!view.partner || !(data.chain?.partners ?? []).some((p) => p.id === view.partner)) {
    return null;
  }
  return new Set(stages.filter((s) => s.owner === view.partner).map((s) => s.id));
}

function touchesFocus(t, focus = focusStages()) {
  return !focus || focus.has(t.from) || focus.has(t.to);
}

function fillPartnerFilter() {
  const select = $('partner');
  const owners = new Set((data.chain?.stages ?? []).map((s) => s.owner));
  const partners = (data.chain?.partners ?? []).filter((p) => owners.has(p.id));
  if (!partners.some((p) => p.id === view.partner)) view.partner = '';
  select.replaceChildren(
      h('option', {value: ''}, 'alle partners'),
      ...partners.map((p) => h('option', {value: p.id}, p.name || p.id)));
  select.value = view.partner;
}

function fillStageFilter() {
  const select = $('stuck-stage');
  const focus = focusStages();
  const stages = charts.orderedStages(data.chain).filter((s) => !focus || focus.has(s.id));
  const chosen = select.value;
  select.replaceChildren(
      h('option', {value: ''}, focus ? 'alle fasen van de partner' : 'alle fasen'),
      ...stages.map((s) => h('option', {value: s.id}, s.name || s.id)));
  if (stages.some((s) => s.id === chosen)) select.value = chosen;
}

// The chain's inactive_after_days, or 0: clients without an event for longer
// are listed apart as "uit beeld" (out of view), not as stuck.
function inactiveAfterDays() {
  return data.chain?.inactiveAfterDays > 0 ? data.chain.inactiveAfterDays : 0;
}

// The stuck list for `params`; with the partner filter and no stage chosen,
// the lists of the partner's stages merged (oldest first, totals added).
async function stuckOf(chainPath, params) {
  const focus = focusStages();
  if (params.stage || !focus) return api.get(`${chainPath}/stuck`, params);
  const lists = await Promise.all(
      [...focus].map((stage) => api.get(`${chainPath}/stuck`, {...params, stage})));
  const visits = lists.flatMap((l) => l.visits ?? [])
                     .sort((a, b) => String(a.enteredAt).localeCompare(String(b.enteredAt)))
                     .slice(0, params.limit);
  const total = lists.reduce((n, l) => n + (l.total ?? 0), 0);
  return {...(lists[0] ?? {}), visits, total, truncated: visits.length < total};
}

async function loadStuck(gen, chainPath) {
  const box = $('stuck');
  const apart = inactiveAfterDays();
  loading(box);
  $('out-of-view-panel').hidden = !apart;
  if (apart) loading($('out-of-view'));
  let list;
  let gone = null;
  try {
    const params = {stage: $('stuck-stage').value, limit: 200};
    [list, gone] = await Promise.all([
      stuckOf(chainPath, {
        ...params,
        overdue: $('stuck-overdue').checked ? 'true' : '',
        out_of_view: apart ? 'false' : ''
      }),
      apart ? stuckOf(chainPath, {...params, out_of_view: 'true'}) : null,
    ]);
  } catch (err) {
    if (gen !== generation) return;
    $('stuck-summary').textContent = '';
    showError(box, err, 'De lijst van vastgelopen cliënten');
    if (apart) $('out-of-view').replaceChildren();
    return;
  }
  if (gen !== generation) return;
  const visits = [...(list.visits ?? [])].sort(
      (a, b) => String(a.enteredAt).localeCompare(String(b.enteredAt)));
  $('stuck-summary').textContent = visits.length ?
      (list.truncated ? `${fmt.count(visits.length)} van ${fmt.count(list.total ?? 0)} cliënten` :
                        `${fmt.count(visits.length)} cliënten`) +
          (list.asOf ? `, stand ${fmt.timestamp(list.asOf)}` : '') :
                       '';
  if (!visits.length) {
    box.replaceChildren(h(
        'p', {class: 'muted', 'data-testid': 'stuck-empty'},
        $('stuck-overdue').checked ? 'Niemand wacht langer dan de norm.' : 'Geen open bezoeken.'));
  } else {
    box.replaceChildren(visitTable(visits, 'stuck-row'));
    if (list.truncated) box.append(h('p', {class: 'muted note'}, 'Alleen de eerste 200 getoond.'));
  }
  if (apart) renderOutOfView(gone, apart);
}

// Open visits of clients without any event for longer than the chain's
// inactive_after_days: out of view, apart from the stuck list.
function renderOutOfView(list, days) {
  const box = $('out-of-view');
  const visits = list.visits ?? [];
  $('out-of-view-title').textContent =
      `Uit beeld: geen gebeurtenis in meer dan ${fmt.days(days)} dagen`;
  $('out-of-view-summary').textContent = visits.length ?
      (list.truncated ? `${fmt.count(visits.length)} van ${fmt.count(list.total ?? 0)} cliënten` :
                        `${fmt.count(visits.length)} cliënten`) :
                        '';
  box.replaceChildren(
      visits.length ?
          visitTable(visits, 'out-of-view-row') :
          h('p', {class: 'muted', 'data-testid': 'out-of-view-empty'}, 'Niemand is uit beeld.'));
}

function visitTable(visits, testid) {
  const rows = visits.map(
      (v) =>
          h('tr', {
            'data-testid': testid,
            tabindex: 0,
            class: v.overdue && !v.outOfView ? 'overdue' : '',
            onclick: () => openPath(v.clientRef),
            onkeydown: (e) => {
              if (e.key === 'Enter') openPath(v.clientRef);
            },
          },
            [
              h('td', {class: 'mono'}, v.clientRef),
              h('td', {}, v.stageName || stageName(v.stage)),
              h('td', {}, fmt.date(v.enteredAt)),
              h('td', {class: 'num', 'data-testid': 'stuck-days'}, fmt.days(v.daysWaiting ?? 0)),
              h('td', {class: 'num', 'data-testid': 'stuck-quiet'},
                fmt.days(v.daysSinceLastEvent ?? 0)),
              h('td', {class: 'num'}, v.normDays ? `${fmt.days(v.normDays)} d` : fmt.DASH),
              h('td', {}, v.normToStage ? `naar ${stageName(v.normToStage)}` : ''),
              h('td', {}, (v.partners ?? []).map(partnerName).join(', ')),
            ]));
  return h('table', {class: 'table'}, [
    h('thead', {},
      h('tr', {},
        [
          'Cliënt', 'Fase', 'Sinds', 'Wacht (dagen)', 'Stil (dagen)', 'Norm', 'Volgende fase',
          'Partners'
        ].map((c, i) => h('th', {class: i >= 3 && i <= 5 ? 'num' : ''}, c)))),
    h('tbody', {}, rows),
  ]);
}

async function openPath(ref) {
  const dialog = $('path-dialog');
  const box = $('path');
  box.replaceChildren(
      h('h2', {}, ['Pad van cliënt ', h('span', {class: 'mono'}, ref)]),
      h('p', {class: 'muted'}, 'Laden…'));
  if (!dialog.open) dialog.showModal();
  let path;
  try {
    path = await api.get(
        `/v1/chains/${encodeURIComponent(view.chainId)}/clients/${encodeURIComponent(ref)}`);
  } catch (err) {
    showError(box, err, 'Het pad van deze cliënt');
    return;
  }
  const statusText = {
    EVENT_STATUS_EFFECTIVE: 'geldig',
    EVENT_STATUS_CORRECTED: 'gecorrigeerd',
    EVENT_STATUS_WITHDRAWN: 'ingetrokken',
  };
  const visits = path.visits ?? [];
  const transitions = path.transitions ?? [];
  box.replaceChildren(
    h('h2', {}, ['Pad van cliënt ', h('span', { class: 'mono' }, ref), ' ',
      h('span', { class: `pill ${path.completed ? 'good' : 'none'}` }, path.completed ? 'afgerond' : 'lopend')]),
    h('h3', {}, 'Bezoeken'),
    h('table', { class: 'table compact', 'data-testid': 'path-visits' }, [
      h('thead', {}, h('tr', {}, ['Fase', 'Binnen', 'Verlaten', 'Partners', ''].map((c) => h('th', {}, c)))),
      h('tbody', {}, visits.map((v) => h('tr', { 'data-testid': 'path-visit' }, [
        h('td', {}, stageName(v.stage)),
        h('td', {}, fmt.timestamp(v.enteredAt)),
        h('td', {}, v.leftAt ? fmt.timestamp(v.leftAt) : h('em', {}, 'nog open')),
        h('td', {}, (v.partners ?? []).map(partnerName).join(', ')),
        h('td', {}, v.reentry ? h('span', { class: 'pill fair' }, 'terugkeer') : ''),
      ]))),
    ]),
    transitions.length ? h('h3', {}, 'Overgangen') : null,
    transitions.length ? h('table', { class: 'table compact' }, [
      h('thead', {}, h('tr', {}, ['Overgang', 'Overdrachtstijd', 'Van partner', 'Naar partner'].map((c) => h('th', {}, c)))),
      h('tbody', {}, transitions.map((t) => h('tr', {}, [
        h('td', {}, `${stageName(t.from)} → ${stageName(t.to)}`),
        h('td', { class: 'num' }, fmt.secondsAsDays(t.delaySeconds ?? 0)),
        h('td', {}, partnerName(t.fromPartner)),
        h('td', {}, t.handover ? partnerName(t.toPartner) : h('span', { class: 'muted' }, 'zelfde partner')),
      ]))),
    ]) : null,
    h('h3', {}, 'Gebeurtenissen'),
    h('table', { class: 'table compact' }, [
      h('thead', {}, h('tr', {}, ['Tijdstip', 'Mijlpaal', 'Partner', 'Status'].map((c) => h('th', {}, c)))),
      h('tbody', {}, (path.events ?? []).map((pe) => {
        const e = pe.event ?? {};
        return h('tr', { class: pe.status === 'EVENT_STATUS_EFFECTIVE' ? '' : 'struck' }, [
          h('td', {}, fmt.timestamp(e.occurredAt)),
          h('td', {}, e.type ? milestoneName(e.type) : (e.retracted ? 'intrekking' : fmt.DASH)),
          h('td', {}, partnerName(e.partnerId)),
          h('td', {}, statusText[pe.status] ?? pe.status ?? ''),
        ]);
      })),
    ]),
  );
}

// ---------------------------------------------------------------------------
// Wiring.

// ---------------------------------------------------------------------------
// Downloads per panel (export.js): what the panel shows.

function fileSlug() {
  const to = view.to ? addDays(view.to, -1) : 'nu';
  return `${view.chainId}-${view.from || 'begin'}-${to}`;
}

const text = (el) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

// The goal tiles and their partner contributions as on screen.
function goalsTable() {
  const rows = [];
  for (const goal of $('goals').querySelectorAll('.goal')) {
    const goalName = text(goal.querySelector('h3'));
    for (const tile of goal.querySelectorAll('.tile')) {
      const title = text(tile.querySelector('.tile-title')?.firstChild);
      const details = [...tile.querySelectorAll(':scope > .tile-sub')]
                          .filter(
                              (sub) => !sub.querySelector('.contributions') &&
                                  !sub.classList.contains('contrib-head'))
                          .map(text)
                          .filter(Boolean);
      rows.push(
          [goalName, title, '', '', text(tile.querySelector('.tile-value')), details.join(' · ')]);
      for (const li of tile.querySelectorAll('.contributions li')) {
        const name = li.querySelector('.contrib-name');
        rows.push([
          goalName, text(name?.firstChild), text(name?.querySelector('small')), title,
          text(li.querySelector(':scope > b')), ''
        ]);
      }
    }
  }
  return rows.length ?
      {columns: ['doel', 'maatregel', 'partner', 'bijdrage_aan', 'waarde', 'toelichting'], rows} :
      null;
}

// Stages and transitions of the flow map, counts as shown ("<10" for analysts).
function flowTable() {
  if (!data.flow) return null;
  const daysOf = (stats, key) => {
    const v = charts.stat(stats, key);
    return v === undefined ? '' : v / 86400;
  };
  const rows = charts.orderedStages(data.chain, data.flow.stages).map((s) => {
    const kpi = (data.flow.stages ?? []).find((k) => k.stage === s.id) ?? {};
    return ['fase', s.name || s.id, '', '', kpi.entries ?? 0, kpi.wip ?? 0, '', '', '', ''];
  });
  for (const t of data.flow.transitions ?? []) {
    rows.push([
      'overgang', '', stageName(t.from), stageName(t.to), '', '', t.count,
      daysOf(t.delay, 'p50Seconds'), t.norm?.days ?? '',
      t.norm?.days && typeof t.norm?.share === 'number' ? t.norm.share : ''
    ]);
  }
  return {
    columns: [
      'soort', 'fase', 'van', 'naar', 'instroom', 'onderweg', 'overgangen', 'mediaan_dagen',
      'norm_dagen', 'binnen_norm'
    ],
    rows
  };
}

// The chosen transition's delay distribution.
function distTable() {
  const t = currentTransition();
  if (!t) return null;
  const keys = [
    'meanSeconds', 'minSeconds', 'p50Seconds', 'p80Seconds', 'p90Seconds', 'p95Seconds',
    'maxSeconds'
  ];
  return {
    columns: [
      'van', 'naar', 'aantal', 'binnen_norm', 'norm_dagen', 'gemiddeld_dagen', 'min_dagen',
      'p50_dagen', 'p80_dagen', 'p90_dagen', 'p95_dagen', 'max_dagen'
    ],
    rows: [[
      stageName(t.from), stageName(t.to), t.count,
      t.norm?.days && typeof t.norm?.share === 'number' ? t.norm.share : '', t.norm?.days ?? '',
      ...keys.map((k) => {
        const v = charts.stat(t.delay, k);
        return v === undefined ? '' : v / 86400;
      })
    ]],
  };
}

// The stuck list and the out-of-view list as on screen.
function stuckTable() {
  let columns = null;
  const rows = [];
  for (const [id, list] of [['stuck', 'vastgelopen'], ['out-of-view', 'uit beeld']]) {
    const table = $(id)?.querySelector('table');
    if (!table || $(id).closest('[hidden]')) continue;
    columns ??= ['lijst', ...[...table.querySelectorAll('thead th')].map(text)];
    for (const tr of table.querySelectorAll('tbody tr')) {
      rows.push([list, ...[...tr.children].map(text)]);
    }
  }
  return columns ? {columns, rows} : null;
}

function bindDownloads() {
  exporter.addTools($('goals-panel'), {name: () => `doelen-${fileSlug()}`, table: goalsTable});
  exporter.addTools($('flow-panel'), {name: () => `stroomkaart-${fileSlug()}`, table: flowTable});
  exporter.addTools(
      $('dist-panel'), {name: () => `overdrachtstijd-${fileSlug()}`, table: distTable});
  for (const [panel, label] of [
           ['transition-trend-panel', 'verloop-overgang'],
           ['trend-counts-panel', 'instroom-afgerond'], ['trend-lead-panel', 'doorlooptijd']]) {
    exporter.addTools($(panel), {
      name: () => `${label}-${fileSlug()}`,
      table: () => $(panel).querySelector('svg.chart')?.csvTable ?? null
    });
  }
  exporter.addTools($('stuck-panel'), {name: () => `clienten-${fileSlug()}`, table: stuckTable});
}

function bind() {
  bindDownloads();
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    api.setToken($('token').value);
    signIn();
  });
  $('logout').addEventListener('click', () => signOut('U bent afgemeld.'));
  $('chain').addEventListener('change', () => {
    view.chainId = $('chain').value;
    view.transition = '';
    loadChain(false);
  });
  $('partner').addEventListener('change', () => {
    view.partner = $('partner').value;
    view.transition = '';
    fillStageFilter();
    refresh();
  });
  const periodChanged = () => {
    const from = $('from').value;
    const toIncl = $('to').value;
    if (from && toIncl && toIncl < from) {
      banner('De einddatum ligt vóór de begindatum.');
      return;
    }
    view.from = from;
    view.to = toIncl ? addDays(toIncl, 1) : '';
    refresh();
  };
  $('from').addEventListener('change', periodChanged);
  $('to').addEventListener('change', periodChanged);
  for (const button of document.querySelectorAll('[data-preset]')) {
    button.addEventListener('click', () => {
      applyPreset(button.dataset.preset);
      refresh();
    });
  }
  for (const radio of document.querySelectorAll('input[name=compare]')) {
    radio.addEventListener('change', () => {
      view.compare = radio.value;
      writeFragment();
      loadGoals(generation, `/v1/chains/${encodeURIComponent(view.chainId)}`);
    });
  }
  for (const radio of document.querySelectorAll('input[name=by]')) {
    radio.addEventListener('change', () => {
      view.by = radio.value;
      refresh();
    });
  }
  $('transition').addEventListener('change', () => selectTransition($('transition').value));
  const reloadStuck = () => {
    if (canSeeClients()) loadStuck(generation, `/v1/chains/${encodeURIComponent(view.chainId)}`);
  };
  $('stuck-stage').addEventListener('change', reloadStuck);
  $('stuck-overdue').addEventListener('change', reloadStuck);
  let resizeTimer = 0;
  addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      renderFlow();
      renderDistribution();
      renderTrends();
      renderTransitionTrend();
    }, 150);
  });
  addEventListener('error', (e) => banner(`Fout in het dashboard: ${e.message}`));
  addEventListener(
      'unhandledrejection', (e) => banner(`Fout in het dashboard: ${api.describe(e.reason)}`));
}

async function start() {
  bind();
  api.adoptTokenFromFragment();
  const failed = await login.adoptLoginResult();
  login.offerLogin($('oidc-login'));
  if (!api.token()) {
    showLogin(failed);
    return;
  }
  signIn();
}

start();
