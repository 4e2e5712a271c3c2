// Number and date formatting for the dashboard, Dutch style ("1.234", "3,4 d").
// Every function accepts what the API may send for a field: a number, the
// string "<k" (a count an analyst may not see exactly), or nothing at all
// (zero in the protobuf JSON mapping, or a statistic left out below k).

const whole = new Intl.NumberFormat('nl-NL', {maximumFractionDigits: 0});
const oneDecimal = new Intl.NumberFormat('nl-NL', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

export const DASH = '—';

// A count: "1.234", "<10" as sent, 0 when absent.
export function count(value) {
  if (typeof value === 'string') return value;
  return whole.format(value ?? 0);
}

// True when the API hid the exact value ("<10", or "x").
export function isSuppressed(value) {
  return typeof value === 'string';  // "<k", or "x" when hidden for another count's sake
}

// A plain number from a count field; null when suppressed.
export function countValue(value) {
  if (typeof value === 'string') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return value ?? 0;
}

// Days with one decimal below 10, whole days from 10 on ("0,4", "12").
export function days(value) {
  if (value === undefined || value === null || !Number.isFinite(value)) return DASH;
  if (value === 0) return '0';
  return value < 10 ? oneDecimal.format(value) : whole.format(value);
}

// Seconds as days: "3,4 d"; "—" when absent.
export function secondsAsDays(seconds, unit = ' d') {
  if (seconds === undefined || seconds === null) return DASH;
  return days(seconds / 86400) + unit;
}

// A share 0..1 as a whole percentage: "82 %"; "—" when absent.
export function share(value) {
  if (value === undefined || value === null || !Number.isFinite(value)) return DASH;
  return whole.format(value * 100) + ' %';
}

// Norm days: "14 d" or "10 werkdagen".
export function norm(value, workingDays = false) {
  if (!value) return DASH;
  return days(value) + (workingDays ? ' werkdagen' : ' d');
}

// A timestamp (RFC 3339) as a local date and time: "3 mrt. 2024 14:05".
const dateTime = new Intl.DateTimeFormat('nl-NL', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat('nl-NL', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});

export function timestamp(value) {
  if (!value) return DASH;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : dateTime.format(d);
}

export function date(value) {
  if (!value) return DASH;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : dateOnly.format(d);
}

// A period label from the API ("2024-W05", "2024-03", "2024-Q1", "2024-03-05").
const months = ['jan', 'feb', 'mrt', 'apr', 'mei', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'];
export function period(label) {
  if (!label) return '';
  let m = /^(\d{4})-W(\d{2})$/.exec(label);
  if (m) return `wk ${Number(m[2])}`;
  m = /^(\d{4})-(\d{2})$/.exec(label);
  if (m) return `${months[Number(m[2]) - 1]} ${m[1].slice(2)}`;
  return label;
}

// Local ISO day (YYYY-MM-DD) of a Date, for the period inputs.
export function isoDay(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
