// The dashboard's stylesheet, served as /assets/app.css. Kept in a .ts module so that the
// tsc build carries it into dist with the rest of the client (tsc copies no .css files).

export const css = String.raw`
:root {
  --ink: #1d1d1f; --muted: #6b6b70; --line: #e3e1dc; --bg: #f7f5f0; --paper: #fff;
  --accent: #b3261e; --accent-ink: #fff; --sel: #fff4d6; --sel-line: #e0a800;
  --household: #2e6f40; --neighborhood: #1f5f9e; --community: #8a3ea0;
  --radius: 8px; --muted-strong: #5c5c61;
  font-family: system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; overflow-wrap: anywhere; }
a { color: var(--neighborhood); }
h1 { font-size: 1.3rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 1.2rem 0 .5rem; }
h3 { font-size: .95rem; margin: 0 0 .4rem; }
.muted { color: var(--muted); }
.error { color: var(--accent); }
.warn { color: #9a6700; }
.notice { background: var(--sel); padding: .3rem .6rem; border-radius: var(--radius); }
input, select, textarea, button { font: inherit; max-width: 100%; }
input, select, textarea { border: 1px solid var(--line); border-radius: 6px; padding: .35rem .5rem; background: var(--paper); }
textarea { width: 100%; resize: vertical; }

.btn { border: 1px solid var(--line); background: var(--paper); border-radius: 6px; padding: .35rem .75rem; cursor: pointer; white-space: nowrap; }
.btn:hover { border-color: var(--muted); }
.btn.primary { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
.btn.small { padding: .15rem .5rem; font-size: .85rem; }
.btn:disabled { opacity: .5; cursor: default; }

.topbar { display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; padding: .5rem 1rem; background: var(--paper); border-bottom: 3px solid var(--accent); position: sticky; top: 0; z-index: 5; }
.brand { font-weight: 700; font-size: 1.15rem; color: var(--accent); text-decoration: none; }
.main-nav { display: flex; gap: .25rem; flex-wrap: wrap; }
.main-nav a { text-decoration: none; color: var(--ink); padding: .3rem .6rem; border-radius: 6px; }
.main-nav a.active { background: var(--bg); font-weight: 600; }
.spacer { flex: 1; }
.me { color: var(--muted); }
.content { padding: .75rem 1rem 3rem; max-width: 1400px; margin: 0 auto; }

.login { min-height: 100vh; display: grid; place-items: center; padding: 1rem; }
.login-form { width: min(360px, 100%); display: grid; gap: .75rem; }
.login-head { display: flex; justify-content: space-between; align-items: center; }
.field { display: grid; gap: .25rem; font-size: .9rem; color: var(--muted); }
.field input, .field select { color: var(--ink); }

.panel { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem; }
.incident-add, .incident-edit { display: grid; gap: .5rem; max-width: 40rem; margin: .5rem 0 1rem; }
.incident-list { list-style: none; padding: 0; }
.incident-list > li { padding: .5rem 0; border-bottom: 1px solid var(--line); }
.incident-words { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: .25rem 0 .5rem; font-size: .9rem; }
.incident-words dt { color: var(--muted); }
.incident-words dd { margin: 0; }

.toolbar { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; justify-content: space-between; }
.tabs { display: flex; gap: .25rem; flex-wrap: wrap; }
.tab { border: 1px solid var(--line); background: var(--paper); border-radius: 999px; padding: .25rem .8rem; cursor: pointer; }
.tab.active { background: var(--ink); color: #fff; border-color: var(--ink); }
.search { min-width: 14rem; flex: 0 1 22rem; }
.filters { display: flex; gap: .5rem; flex-wrap: wrap; margin: .5rem 0; }
.hint { font-size: .8rem; color: var(--muted); margin: .25rem 0 .5rem; }

.tip-list { list-style: none; margin: 0; padding: 0; background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); overflow: hidden; }
.tip-row { display: grid; grid-template-columns: 1.5rem 9.5rem 9rem minmax(8rem, 1fr) 12rem 10rem 5.5rem auto; gap: .6rem; align-items: center; padding: .45rem .75rem; border-bottom: 1px solid var(--line); border-left: 4px solid transparent; cursor: default; }
.tip-row:last-child { border-bottom: 0; }
.tip-row.selected { background: var(--sel); border-left-color: var(--sel-line); }
.tip-row.fresh .reference::after { content: " ●"; color: var(--accent); }
/* Filed rows are marked by a quieter background, not by opacity (which failed contrast). */
.tip-row.done:not(.selected) { background: #f3f2ee; }
.tip-row.ticked { box-shadow: inset 0 0 0 2px var(--neighborhood); }
.tip-row.overdue .cell.age { color: var(--accent); font-weight: 700; }
.tip-row.overdue { border-left-color: var(--accent); }
.tip-row.prio-row-urgent .reference { color: #8a4a00; }
.tip-row.pending { background: #eceae4; }
.cell { min-width: 0; }
.cell.ref { display: flex; gap: .35rem; align-items: center; font-family: ui-monospace, monospace; font-size: .85rem; }
.cell.who { font-size: .85rem; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cell.text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cell.suggest { display: flex; flex-wrap: wrap; gap: .2rem; align-items: center; font-size: .8rem; }
.cell.state { display: flex; flex-wrap: wrap; gap: .2rem; font-size: .8rem; }
.cell.age { font-size: .8rem; color: var(--muted); }
.cell.tick input { width: 1.1rem; height: 1.1rem; margin: 0; }
.cell.file { display: flex; gap: .25rem; }
.terms { color: var(--muted); }
.count { color: var(--muted); font-size: .8rem; }
.assignee { font-size: .8rem; line-height: 1.5rem; }
.empty { padding: 1.5rem; text-align: center; }
.more { margin: .75rem 0; text-align: center; }
.reference { text-decoration: none; font-weight: 600; }

.chip { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .78rem; line-height: 1.5rem; background: var(--bg); border: 1px solid var(--line); white-space: nowrap; }
.chip.ghost { background: transparent; border-style: dashed; }
.chip.cat-household { border-color: var(--household); color: var(--household); }
.chip.cat-neighborhood { border-color: var(--neighborhood); color: var(--neighborhood); }
.chip.cat-community { border-color: var(--community); color: var(--community); }
.chip.status-new { background: var(--accent); color: #fff; border-color: var(--accent); }
.chip.prio-high { background: #fff1e0; border-color: #b45309; color: #8a4a00; }
.chip.prio-urgent { background: #b45309; border-color: #b45309; color: #fff; font-weight: 700; }
.chip.prio-low { color: var(--muted); }
.chip.warn { background: #fff4d6; border-color: #e0a800; }
.chip.delivery-failed { background: #fde7e5; color: var(--accent); }
.chip.delivery-sent { background: #e6f4ea; color: var(--household); }

.file-btn { border: 1px solid var(--line); background: var(--paper); border-radius: 6px; padding: .2rem .5rem; cursor: pointer; font-size: .85rem; }
.file-btn.cat-household:hover, .file-btn.cat-household.on { background: var(--household); color: #fff; border-color: var(--household); }
.file-btn.cat-neighborhood:hover, .file-btn.cat-neighborhood.on { background: var(--neighborhood); color: #fff; border-color: var(--neighborhood); }
.file-btn.cat-community:hover, .file-btn.cat-community.on { background: var(--community); color: #fff; border-color: var(--community); }
.file-btn.suggested { border-style: dashed; border-width: 2px; }
.tip-suggestion { margin: 0; font-size: .85rem; display: flex; gap: .3rem; align-items: center; flex-wrap: wrap; }
.chan { display: inline-flex; align-items: center; justify-content: center; width: 1.4rem; height: 1.4rem; flex: none; }
.chan-email { color: var(--neighborhood); } .chan-sms { color: var(--household); } .chan-voice { color: #b86e00; } .chan-web { color: var(--muted); } .chan-wechat { color: #1aad19; }

.tip-header { display: grid; gap: .35rem; margin-bottom: .75rem; }
.tip-header .back { justify-self: start; }
.tip-title { display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
.tip-title h1 { font-family: ui-monospace, monospace; }
.tip-meta { margin: 0; color: var(--muted); }
.tip-headline { margin: 0; font-weight: 600; }
.tip-columns { display: grid; grid-template-columns: minmax(0, 1fr) 22rem; gap: 1rem; align-items: start; }
.side-col { display: grid; gap: .75rem; }
.main-col h2 { margin-top: 0; }
.thread { list-style: none; padding: 0; margin: 0 0 1rem; display: grid; gap: .6rem; }
.msg { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: .6rem .75rem; }
.msg.out { background: #f1f6fb; margin-left: 2rem; }
.msg-head { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; font-size: .85rem; }
.msg-subject { font-weight: 600; margin: .4rem 0 0; }
.msg-body { white-space: pre-wrap; margin: .4rem 0 0; }
.msg-full { white-space: pre-wrap; font-size: .85rem; background: var(--bg); padding: .5rem; border-radius: 6px; overflow-x: auto; }
.attachments { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; align-items: center; }
.att.audio { display: grid; gap: .2rem; }
.att.audio audio { width: min(320px, 100%); }
.thumb { width: 120px; height: 90px; object-fit: cover; border-radius: 6px; border: 1px solid var(--line); display: block; }
.reply { display: grid; gap: .5rem; }
.row-buttons { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; justify-content: space-between; }
.controls { display: grid; gap: .5rem; }
.details-form { display: grid; gap: .4rem; border-top: 1px solid var(--line); padding-top: .5rem; }
.details-form .btn { justify-self: start; }
.file-buttons { display: flex; gap: .35rem; flex-wrap: wrap; }
.notes, .related, .events { list-style: none; padding: 0; margin: 0; display: grid; gap: .45rem; font-size: .9rem; }
.note-body { white-space: pre-wrap; margin: 0; }
.note-form { display: grid; gap: .4rem; margin-top: .5rem; }
.related li { display: flex; gap: .4rem; align-items: center; justify-content: space-between; flex-wrap: wrap; }
.related a { text-decoration: none; color: var(--ink); }
.diff { font-size: .8rem; color: var(--muted); }

.cards { display: grid; gap: .6rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 320px), 1fr)); }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius); padding: .7rem .8rem; min-width: 0; }
.card-head { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.card-text { margin: .45rem 0; }
.card-meta { margin: 0; font-size: .85rem; color: var(--muted); }
.card-actions { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .6rem; }
.card-actions .btn { flex: 1 1 auto; padding: .55rem .75rem; }

.health-cards { display: grid; gap: .6rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 300px), 1fr)); }
.health-card.has-error { border-color: var(--accent); }
.chip.health-ok { background: #e6f4ea; color: var(--household); }
.chip.health-failing, .chip.health-stale { background: #fde7e5; color: var(--accent); border-color: var(--accent); }
.chip.health-off { background: var(--bg); color: var(--ink); border-style: dashed; }
.adapter-list { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; margin: 0 0 .75rem; }
.stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: .4rem; margin: .5rem 0; }
.stat { display: grid; text-align: center; background: var(--bg); border-radius: 6px; padding: .25rem; }
.stat.warn { background: #fff4d6; }
.stat-value { font-weight: 700; font-size: 1.1rem; }
.stat-label { font-size: .75rem; color: var(--muted); }
.health-card p { margin: .2rem 0; font-size: .85rem; }
.quarantine .card-actions .btn { flex: 0 0 auto; }
.quarantine-list { list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }

.backdrop { position: fixed; inset: 0; background: rgba(0,0,0,.35); display: grid; place-items: center; z-index: 20; padding: 1rem; }
.modal { background: var(--paper); border-radius: var(--radius); padding: 1rem; width: min(560px, 100%); max-height: 80vh; overflow: auto; box-shadow: 0 10px 30px rgba(0,0,0,.25); }
.modal h2 { margin-top: 0; }
.picker-list { list-style: none; padding: 0; margin: 0; display: grid; gap: .25rem; }
.picker-item { border-radius: 6px; border: 1px solid transparent; }
.picker-choose { display: flex; gap: .5rem; align-items: center; padding: .4rem .5rem; width: 100%; text-align: left; background: none; border: 0; cursor: pointer; color: inherit; flex-wrap: wrap; }
.picker-search { width: 100%; margin-bottom: .5rem; }
.picker-item.selected { background: var(--sel); border-color: var(--sel-line); }
.kbd { font-family: ui-monospace, monospace; font-size: .75rem; border: 1px solid var(--line); border-radius: 4px; min-width: 1.3rem; text-align: center; }
.modal-actions { display: flex; justify-content: flex-end; gap: .5rem; margin-top: .75rem; }
.merge-both { display: grid; grid-template-columns: 1fr auto 1fr; gap: .5rem; align-items: center; }
.merge-card { border: 1px solid var(--line); border-radius: var(--radius); padding: .5rem; font-size: .9rem; min-width: 0; }
.merge-card p { margin: .2rem 0; }
.merge-card[data-role=target] { border-color: var(--household); }
.merge-arrow { font-size: 1.5rem; color: var(--muted); }
.help-keys { white-space: pre-wrap; padding-left: 1rem; line-height: 1.8; }
.msg-origin { margin: .3rem 0 0; font-size: .85rem; color: var(--muted-strong); background: var(--bg); padding: .15rem .4rem; border-radius: 4px; }
.msg.merged-in { border-left: 4px solid var(--community); }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0,0,0,0); white-space: nowrap; border: 0; }
.view-title { font-size: 1.15rem; margin: .25rem 0 .5rem; }
.h3 { font-size: .95rem; margin: 0 0 .4rem; }
.tab-count { font-variant-numeric: tabular-nums; font-weight: 700; }
.search-hint { margin: .25rem 0 0; }
.bulk-bar { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; background: #eaf1f8; border: 1px solid var(--neighborhood); border-radius: var(--radius); padding: .4rem .6rem; margin: .4rem 0; }
.bulk-bar[hidden] { display: none; }
.alerts-toggle { display: inline-flex; gap: .25rem; align-items: center; cursor: pointer; font-size: .85rem; color: var(--muted-strong); }
.me { text-decoration: none; }
.tel { font-weight: 600; }
.narrow-form { display: grid; gap: .6rem; max-width: 420px; margin-top: .75rem; }
.form-message.ok { color: var(--household); }
.form-message.error { color: var(--accent); }
.table-wrap { overflow-x: auto; }
.users-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
.users-table th, .users-table td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
.users-table tr.inactive td { background: #f3f2ee; }
.inline-form { display: inline-flex; gap: .3rem; }
.user-actions { display: flex; gap: .35rem; flex-wrap: wrap; align-items: center; }
:focus-visible { outline: 3px solid var(--neighborhood); outline-offset: 1px; }

.toasts { position: fixed; right: 1rem; bottom: 1rem; display: grid; gap: .4rem; z-index: 30; max-width: calc(100vw - 2rem); }
.toast { background: var(--ink); color: #fff; padding: .5rem .8rem; border-radius: 6px; font-size: .9rem; box-shadow: 0 4px 12px rgba(0,0,0,.2); }
.toast-error { background: var(--accent); }

@media (max-width: 1100px) {
  .tip-row { grid-template-columns: 1.5rem 9.5rem minmax(0, 1fr) auto; grid-template-areas: "tick ref text age" "tick who suggest state" "tick file file file"; }
  .cell.tick { grid-area: tick; }
  .cell.ref { grid-area: ref; } .cell.text { grid-area: text; } .cell.age { grid-area: age; }
  .cell.who { grid-area: who; } .cell.suggest { grid-area: suggest; } .cell.state { grid-area: state; }
  .cell.file { grid-area: file; }
  .tip-columns { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 600px) {
  :root { font-size: 15px; }
  .content { padding: .5rem .6rem 3rem; }
  .topbar { padding: .4rem .6rem; gap: .4rem; }
  .me { display: none; }
  .tip-row { grid-template-columns: 1.5rem minmax(0, 1fr) auto; grid-template-areas: "tick ref age" "tick text text" "tick who who" "tick suggest suggest" "tick state state" "tick file file"; }
  .merge-both { grid-template-columns: 1fr; }
  .search { flex: 1 1 100%; min-width: 0; }
  .msg.out { margin-left: .75rem; }
}
`;
