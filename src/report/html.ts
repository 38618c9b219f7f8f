import { KNOWN_NOTE_KINDS, type StepKind } from './kinds.js';
import type { FrameSpan, LockSpan, Trace, TraceEntry, TraceThread } from './trace.js';

export interface HtmlOptions {
  /** The shell command that replays this run, shown verbatim (escaped) in the page. */
  readonly replayCommand?: string;
  /** Page title; the program name by default. */
  readonly title?: string;
}

/** Escapes text for HTML content and for double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const STEP_KINDS: readonly { kind: StepKind; what: string }[] = [
  { kind: 'read', what: 'cell read' },
  { kind: 'write', what: 'cell write' },
  { kind: 'rmw', what: 'read-modify-write' },
  { kind: 'lock', what: 'lock acquire' },
  { kind: 'unlock', what: 'lock release' },
  { kind: 'wait', what: 'sleep / wait' },
  { kind: 'spawn', what: 'spawn, choose' },
];

const NOTE_WHAT: Readonly<Record<string, string>> = {
  pte: 'PTE change',
  'tlb-flush': 'TLB flush',
  'page-alloc': 'page alloc',
  'page-free': 'page free',
  'uffd-msg': 'uffd message',
};

/** Layout constants, in CSS pixels. */
const FRAME_ROW = 18;
const LOCK_ROW = 12;
const STEP_ROW = 22;
const LANE_PAD = 6;

/**
 * A self-contained HTML page (no script or style from anywhere else) showing the run: one
 * lane per simulated thread on a shared step axis, callbacks as nested bars, lock holds as
 * thin spans, steps coloured by kind, notes as markers, the violating step highlighted with
 * the invariant's message; below, the interleaving as a table with one column per thread.
 * Zoom changes one CSS variable, so a 5,000-step trace stays a single light DOM.
 */
export function renderHtml(trace: Trace, opts: HtmlOptions = {}): string {
  const title = opts.title ?? `mmulab: ${trace.program}`;
  const v = trace.violation;
  const px = Math.max(3, Math.min(48, Math.floor(1100 / Math.max(1, trace.steps))));
  const lanes = trace.threads.map((t) => lane(trace, t)).join('\n');
  const verdict = v
    ? `<div class="verdict bad" id="verdict"><span class="badge">violation: ${escapeHtml(v.name)}</span>
  <span class="vmsg" id="violation-message">${escapeHtml(v.message)}</span>
  <span class="vwhere">at step ${v.step}${v.thread ? ` in ${escapeHtml(v.thread)}` : ''}</span></div>`
    : `<div class="verdict ok" id="verdict"><span class="badge">no violation</span>
  <span class="vmsg">the run ended with every invariant holding</span></div>`;
  const replay = opts.replayCommand
    ? `<div class="replay"><span class="lbl">replay</span><code id="replay-command">${escapeHtml(opts.replayCommand)}</code><button type="button" id="copy-replay">copy</button></div>`
    : '';
  const marker = v ? violationMarker(trace) : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mmulab">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1><span class="brand">mmulab</span> ${escapeHtml(trace.program)}</h1>
  ${verdict}
  <div class="facts">${trace.steps} steps · ${trace.threads.length} threads · token <code>${escapeHtml(trace.token)}</code></div>
  ${replay}
</header>
<nav class="controls">
  <span class="lbl">zoom</span>
  <button type="button" id="zoom-out" title="zoom out (-)">−</button>
  <input type="range" id="zoom" min="1" max="48" step="1" value="${px}" aria-label="pixels per step">
  <button type="button" id="zoom-in" title="zoom in (+)">+</button>
  <button type="button" id="zoom-fit" title="fit the whole run">fit</button>
  ${v ? '<button type="button" id="jump" title="scroll to the violating step">violation ⟶</button>' : ''}
  <span class="pxs"><span id="px-value">${px}</span> px/step</span>
  ${legend(trace)}
</nav>
<main>
<div class="timeline" id="timeline" style="--px:${px}px;--steps:${Math.max(1, trace.steps)}">
  <div class="axis"><div class="lane-label axis-label">step</div><div class="track axis-track">${axis(trace.steps)}</div></div>
${lanes}
  ${marker}
</div>
<section class="log">
  <h2>Interleaving <span class="sub">one column per thread, in the order the run took them</span></h2>
  <div class="log-scroll" id="log">${logTable(trace)}</div>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function lane(trace: Trace, t: TraceThread): string {
  const frames = trace.frames.filter((f) => f.thread === t.id);
  const locks = trace.locks.filter((l) => l.thread === t.id);
  const frameRows = frames.reduce((m, f) => Math.max(m, f.depth + 1), 0);
  const lockRow = packRows(locks);
  const lockRows = lockRow.reduce((m, r) => Math.max(m, r + 1), 0);
  const stepTop = frameRows * FRAME_ROW + lockRows * LOCK_ROW + (lockRows > 0 ? 3 : 0);
  const height = stepTop + STEP_ROW + LANE_PAD;
  const parts: string[] = [];
  for (const f of frames) parts.push(frameBar(f));
  locks.forEach((l, i) => {
    parts.push(lockBar(l, frameRows * FRAME_ROW + (lockRow[i] ?? 0) * LOCK_ROW));
  });
  const life = `<div class="life" style="--x:${t.start};--w:${(t.end ?? trace.steps) - t.start};top:${stepTop + STEP_ROW / 2 - 1}px"></div>`;
  parts.push(life);
  for (const e of trace.entries) {
    if (e.thread !== t.id) continue;
    if (e.type === 'step') parts.push(stepBox(trace, e, stepTop));
    else if (e.type === 'note') parts.push(noteMark(e, stepTop));
  }
  const ended = t.end === null ? '<span class="state blocked">still live at the end</span>' : '';
  const culprit = trace.violationThread === t.id ? ' culprit' : '';
  return `  <div class="lane${culprit}" id="lane-${t.id}" data-thread="${t.id}" style="height:${height}px">
    <div class="lane-label"><span class="tid">T${t.id}</span> <span class="tname">${escapeHtml(t.name)}</span>${ended}</div>
    <div class="track">${parts.join('')}</div>
  </div>`;
}

/** Greedy interval packing: the row of each lock span so that spans in a row do not overlap. */
function packRows(spans: readonly LockSpan[]): number[] {
  const rowEnd: number[] = [];
  return spans.map((s) => {
    let r = rowEnd.findIndex((end) => end <= s.start);
    if (r < 0) {
      r = rowEnd.length;
      rowEnd.push(s.end);
    } else rowEnd[r] = s.end;
    return r;
  });
}

function frameBar(f: FrameSpan): string {
  const tip = `${f.label}: steps ${f.start}–${f.end}${f.open ? ' (still open when the run ended)' : ''}`;
  return `<div class="frame d${f.depth % 4}${f.open ? ' open' : ''}" style="--x:${f.start};--w:${Math.max(f.end - f.start, 0.25)};top:${f.depth * FRAME_ROW}px" title="${escapeHtml(tip)}"><span>${escapeHtml(f.label)}</span></div>`;
}

function lockBar(l: LockSpan, top: number): string {
  const tip = `${l.lock} held (${l.mode}) steps ${l.start}–${l.end - 1}${l.open ? ', still held at the end' : ''}`;
  return `<div class="lock m-${escapeHtml(l.mode)}${l.open ? ' open' : ''}" style="--x:${l.start};--w:${l.end - l.start};top:${top}px" title="${escapeHtml(tip)}"><span>${escapeHtml(l.lock)}</span></div>`;
}

function stepBox(trace: Trace, e: Extract<TraceEntry, { type: 'step' }>, top: number): string {
  const v = trace.violation;
  const bad =
    v !== null &&
    e.index === v.step &&
    (trace.violationThread === null || trace.violationThread === e.thread);
  const label = e.op === 'read' || e.op === 'write' ? e.obj : e.op;
  return `<a class="s k-${e.kind}${bad ? ' violating' : ''}" id="s${e.index}" href="#r${e.index}" style="--x:${e.index};top:${top}px" title="${escapeHtml(`[${e.index}] ${e.text}`)}"><span>${escapeHtml(label)}</span></a>`;
}

function noteMark(e: Extract<TraceEntry, { type: 'note' }>, top: number): string {
  const known = (KNOWN_NOTE_KINDS as readonly string[]).includes(e.kind);
  return `<i class="note n-${known ? e.kind : 'other'}" style="--x:${e.time};top:${top - 5}px" title="${escapeHtml(`${e.kind}: ${e.text}`)}"></i>`;
}

function violationMarker(trace: Trace): string {
  const v = trace.violation!;
  return `<div class="vline" id="violation-marker" data-step="${v.step}" style="--x:${v.step}" title="${escapeHtml(`${v.name}: ${v.message}`)}"><div class="vflag" id="violation-flag">✖ ${escapeHtml(v.name)} · step ${v.step}: ${escapeHtml(v.message)}</div></div>`;
}

function axis(steps: number): string {
  const every = steps <= 60 ? 5 : steps <= 400 ? 10 : steps <= 2000 ? 50 : 100;
  const ticks: string[] = [];
  for (let i = 0; i < steps; i += every) ticks.push(`<span class="tick" style="--x:${i}">${i}</span>`);
  return ticks.join('');
}

function legend(trace: Trace): string {
  const items = STEP_KINDS.map(
    (k) => `<span class="li"><i class="sw k-${k.kind}"></i>${escapeHtml(k.what)}</span>`,
  );
  items.push('<span class="li"><i class="sw frame-sw"></i>callback / kernel function</span>');
  items.push('<span class="li"><i class="sw lock-sw"></i>lock held</span>');
  const kinds = new Set(
    trace.entries.filter((e) => e.type === 'note').map((e) => (e as { kind: string }).kind),
  );
  for (const k of KNOWN_NOTE_KINDS) {
    if (kinds.has(k)) items.push(`<span class="li"><i class="sw note n-${k}"></i>${NOTE_WHAT[k]}</span>`);
  }
  if ([...kinds].some((k) => !(KNOWN_NOTE_KINDS as readonly string[]).includes(k))) {
    items.push('<span class="li"><i class="sw note n-other"></i>note</span>');
  }
  if (trace.violation) items.push('<span class="li"><i class="sw viol-sw"></i>violation</span>');
  return `<div class="legend" id="legend">${items.join('')}</div>`;
}

/** The interleaving as rows: one per entry, the entry in its thread's column. */
function logTable(trace: Trace): string {
  const col = new Map(trace.threads.map((t, i) => [t.id, i]));
  const head = trace.threads
    .map((t) => `<th class="${trace.violationThread === t.id ? 'culprit' : ''}">${escapeHtml(t.label)}</th>`)
    .join('');
  const rows: string[] = [];
  const v = trace.violation;
  for (const e of trace.entries) {
    if (e.type === 'spawn' || e.type === 'thread-exit') continue;
    const i = col.get(e.thread) ?? 0;
    const cells: string[] = [];
    for (let c = 0; c < trace.threads.length; c++) cells.push(c === i ? cellOf(e) : '<td></td>');
    const idx = e.type === 'step' ? String(e.index) : '';
    const bad =
      e.type === 'step' &&
      v !== null &&
      e.index === v.step &&
      (trace.violationThread === null || trace.violationThread === e.thread);
    const id = e.type === 'step' ? ` id="r${e.index}"` : '';
    rows.push(
      `<tr${id} class="row-${e.type}${bad ? ' violating' : ''}"><td class="idx">${idx}</td>${cells.join('')}</tr>`,
    );
    if (bad && v) {
      rows.push(
        `<tr class="vrow"><td class="idx">✖</td><td colspan="${trace.threads.length}">${escapeHtml(v.name)}: ${escapeHtml(v.message)}</td></tr>`,
      );
    }
  }
  if (v && trace.violationThread === null) {
    rows.push(
      `<tr class="vrow"><td class="idx">✖</td><td colspan="${trace.threads.length}">${escapeHtml(v.name)}: ${escapeHtml(v.message)}</td></tr>`,
    );
  }
  return `<table><thead><tr><th class="idx">step</th>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function cellOf(e: TraceEntry): string {
  const pad = `style="padding-left:${0.5 + e.depth * 1.2}em"`;
  switch (e.type) {
    case 'step':
      return `<td class="k-${e.kind}-t" ${pad}>${escapeHtml(e.text)}</td>`;
    case 'enter':
      return `<td class="cb" ${pad}>${escapeHtml(e.label)}() {</td>`;
    case 'exit':
      return `<td class="cb" ${pad}>} <span class="dim">/* ${escapeHtml(e.label)} */</span></td>`;
    case 'note':
      return `<td class="nt n-${(KNOWN_NOTE_KINDS as readonly string[]).includes(e.kind) ? e.kind : 'other'}-t" ${pad}>/* ${escapeHtml(e.kind)}: ${escapeHtml(e.text)} */</td>`;
    default:
      return '<td></td>';
  }
}

const CSS = `
:root{--bg:#fbfbfa;--fg:#1d2330;--mut:#6b7280;--line:#e3e5e8;--label:190px;
--read:#3b82f6;--write:#f59e0b;--rmw:#8b5cf6;--lock:#dc2626;--unlock:#16a34a;--wait:#9ca3af;--spawn:#cbd5e1;
--pte:#d97706;--tlb:#0d9488;--palloc:#22c55e;--pfree:#7f1d1d;--uffd:#db2777;--viol:#e11d48}
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
code,.log,.s span,.frame span,.lock span,.tick{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
header{padding:14px 20px 10px;border-bottom:1px solid var(--line);background:#fff}
h1{margin:0 0 6px;font-size:18px;font-weight:600}.brand{color:var(--mut);font-weight:500;margin-right:6px}
h2{font-size:14px;margin:18px 20px 8px}.sub{color:var(--mut);font-weight:400;margin-left:8px}
.verdict{display:flex;flex-wrap:wrap;gap:10px;align-items:baseline;margin:4px 0}
.badge{font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}
.bad .badge{background:var(--viol)}.ok .badge{background:#16a34a}
.vmsg{font-weight:600}.vwhere,.facts{color:var(--mut)}
.replay{margin-top:6px;display:flex;gap:8px;align-items:center}
.replay code{background:#0f172a;color:#e2e8f0;padding:4px 8px;border-radius:4px;user-select:all;overflow-x:auto;white-space:nowrap;max-width:80vw}
.lbl{color:var(--mut);text-transform:uppercase;font-size:11px;letter-spacing:.05em}
button{font:inherit;padding:2px 8px;border:1px solid #cbd5e1;border-radius:4px;background:#fff;cursor:pointer}
button:hover{background:#f1f5f9}
.controls{position:sticky;top:0;z-index:10;display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:8px 20px;background:#f8fafc;border-bottom:1px solid var(--line)}
.pxs{color:var(--mut);min-width:70px}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;margin-left:12px}
.li{display:inline-flex;align-items:center;gap:4px;color:#374151}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;position:static}
.frame-sw{background:#dbeafe;border:1px solid #60a5fa}.lock-sw{background:#fecaca;border:1px solid #ef4444;height:6px}
.viol-sw{background:var(--viol)}
.timeline{position:relative;overflow-x:auto;padding-bottom:6px;background:#fff;border-bottom:1px solid var(--line)}
.axis,.lane{display:flex;min-width:calc(var(--label) + var(--px) * var(--steps) + 40vw)}
.lane-label{position:sticky;left:0;z-index:6;flex:0 0 var(--label);width:var(--label);padding:6px 10px;background:#fff;border-right:1px solid var(--line);overflow:hidden}
.axis-label{color:var(--mut);font-size:11px;padding-top:2px}
.tid{display:inline-block;min-width:26px;font-weight:700;color:#334155}.tname{font-weight:600}
.state{display:block;font-size:11px;color:#b45309}
.lane{border-top:1px solid var(--line)}
.lane.culprit .lane-label{box-shadow:inset 4px 0 0 var(--viol)}
.track{position:relative;flex:1 0 auto;width:calc(var(--px) * var(--steps) + 40vw)}
.axis-track{height:18px}
.tick{position:absolute;left:calc(var(--px) * var(--x));top:2px;font-size:10px;color:var(--mut);border-left:1px solid #d1d5db;padding-left:2px}
.frame,.lock,.life,.s,.note{position:absolute;left:calc(var(--px) * var(--x))}
.frame,.lock,.life{width:calc(var(--px) * var(--w))}
.frame{height:${FRAME_ROW - 2}px;border-radius:3px;overflow:hidden;white-space:nowrap;font-size:11px;padding:0 4px;line-height:${FRAME_ROW - 2}px}
.frame.d0{background:#dbeafe;border:1px solid #60a5fa}.frame.d1{background:#e0e7ff;border:1px solid #818cf8}
.frame.d2{background:#ede9fe;border:1px solid #a78bfa}.frame.d3{background:#fce7f3;border:1px solid #f472b6}
.frame.open{border-right:3px dashed var(--viol)}
.lock{height:${LOCK_ROW - 2}px;border-radius:2px;background:#fecaca;border:1px solid #ef4444;overflow:hidden;font-size:9px;line-height:${LOCK_ROW - 4}px;white-space:nowrap;padding-left:3px;color:#7f1d1d}
.lock.m-read,.lock.m-rcu,.lock.m-srcu{background:#dcfce7;border-color:#22c55e}
.lock.m-mutex{background:#fed7aa;border-color:#f97316}
.lock.open{border-right:3px solid var(--viol)}
.life{height:2px;background:#e5e7eb}
.s{display:block;width:var(--px);height:${STEP_ROW - 4}px;border-radius:2px;border:1px solid rgba(0,0,0,.15);overflow:hidden;color:#fff;font-size:9px;line-height:${STEP_ROW - 6}px;text-decoration:none;white-space:nowrap}
.s span{display:none;padding-left:2px}.wide .s span{display:inline}
.s:hover{outline:2px solid #111;z-index:2}
.k-read{background:var(--read)}.k-write{background:var(--write)}.k-rmw{background:var(--rmw)}
.k-lock{background:var(--lock)}.k-unlock{background:var(--unlock)}.k-wait{background:var(--wait)}
.k-spawn,.k-choose{background:var(--spawn);color:#334155}
.s.violating{outline:3px solid var(--viol);outline-offset:1px;box-shadow:0 0 0 6px rgba(225,29,72,.25);z-index:4}
.note{width:0;height:0;border-left:5px solid transparent;border-right:5px solid transparent;border-top:7px solid #64748b;margin-left:-5px;z-index:3}
.legend .note{position:static;margin:0 0 0 0;border-top-width:9px}
.n-pte{border-top-color:var(--pte)}.n-tlb-flush{border-top-color:var(--tlb)}.n-page-alloc{border-top-color:var(--palloc)}
.n-page-free{border-top-color:var(--pfree)}.n-uffd-msg{border-top-color:var(--uffd)}
.vline{position:absolute;top:0;bottom:0;left:calc(var(--label) + var(--px) * var(--x));width:calc(var(--px));min-width:2px;background:rgba(225,29,72,.12);border-left:2px solid var(--viol);z-index:2;pointer-events:none}
.vflag{position:absolute;top:1px;left:4px;background:var(--viol);color:#fff;font-size:11px;font-weight:700;padding:0 6px;border-radius:3px;white-space:nowrap;max-width:38vw;overflow:hidden;text-overflow:ellipsis}
.vflag.toleft{left:auto;right:calc(100% + 4px)}
.log-scroll{max-height:60vh;overflow:auto;margin:0 20px 20px;border:1px solid var(--line);background:#fff}
.log table{border-collapse:collapse;width:100%;font-size:12px}
.log th{position:sticky;top:0;background:#f1f5f9;text-align:left;padding:4px 8px;border-bottom:1px solid var(--line)}
.log th.culprit{box-shadow:inset 0 -3px 0 var(--viol)}
.log td{padding:1px 8px;white-space:pre;vertical-align:top;border-right:1px solid #f1f5f9}
.log td.idx,.log th.idx{color:var(--mut);text-align:right;width:4em}
.log tr:target{background:#fef9c3}
.log tr.violating{background:#ffe4e6}.log tr.vrow td{background:var(--viol);color:#fff;font-weight:700;white-space:normal}
.cb{color:#1d4ed8}.dim{color:var(--mut)}.nt{color:#92400e;font-style:italic}
.k-lock-t{color:#b91c1c}.k-unlock-t{color:#15803d}.k-write-t{color:#b45309}.k-rmw-t{color:#6d28d9}.k-wait-t{color:var(--mut)}
`;

const SCRIPT = `(function(){
var tl=document.getElementById('timeline'),z=document.getElementById('zoom'),pv=document.getElementById('px-value');
var steps=parseInt(getComputedStyle(tl).getPropertyValue('--steps'),10)||1;
var L=parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--label'))||190;
function set(px){px=Math.max(1,Math.min(48,Math.round(px)));
var old=parseFloat(tl.style.getPropertyValue('--px'))||px,mid=(tl.scrollLeft+tl.clientWidth/2-L)/old;
z.value=px;pv.textContent=px;tl.style.setProperty('--px',px+'px');tl.classList.toggle('wide',px>=20);
tl.scrollLeft=Math.max(0,mid*px+L-tl.clientWidth/2);place();}
z.addEventListener('input',function(){set(+z.value);});
document.getElementById('zoom-in').onclick=function(){set(+z.value*1.5);};
document.getElementById('zoom-out').onclick=function(){set(+z.value/1.5);};
document.getElementById('zoom-fit').onclick=function(){set((tl.clientWidth-230)/steps);};
var j=document.getElementById('jump');
function jump(){var m=document.getElementById('violation-marker');if(!m)return;
tl.scrollLeft=Math.max(0,m.offsetLeft-tl.clientWidth/2);
var r=document.getElementById('r'+m.getAttribute('data-step')),lg=document.getElementById('log');
if(r&&lg)lg.scrollTop=Math.max(0,r.offsetTop-lg.clientHeight/2);}
if(j)j.onclick=jump;
var c=document.getElementById('copy-replay');
if(c)c.onclick=function(){var t=document.getElementById('replay-command').textContent;
if(navigator.clipboard)navigator.clipboard.writeText(t);};
document.addEventListener('keydown',function(e){if(e.target&&e.target.tagName==='INPUT')return;
if(e.key==='+'||e.key==='=')set(+z.value*1.5);if(e.key==='-')set(+z.value/1.5);});
var m0=document.getElementById('violation-marker'),fl=document.getElementById('violation-flag');
function place(){if(!m0)return;var x=m0.offsetLeft-tl.scrollLeft,w=fl.offsetWidth+8;
fl.classList.toggle('toleft',tl.clientWidth-x<w&&x-L>w);}
tl.addEventListener('scroll',place);window.addEventListener('resize',place);
set(+z.value);
if(m0&&m0.offsetLeft>tl.clientWidth-120)jump();
})();`;
