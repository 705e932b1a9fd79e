import { personName } from './format.js';
import { currentLang, t, tOr } from './i18n.js';
import type { EventInfo } from './types.js';

// The audit trail as sentences a person reads ("王丽 把分类从 — 改为 居家事"), in the page's
// language. The raw before/after stay on the element's title for whoever needs them.

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

/** A field's value as words: categories, statuses and priorities translated, empty as —. */
function value(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  const s = String(v);
  if (field === 'category') return t(s.toLowerCase());
  if (field === 'status') return t(`status.${s.toUpperCase()}`);
  if (field === 'priority') return t(`priority.${s.toLowerCase()}`);
  return s;
}

const FIELDS = ['category', 'status', 'priority', 'title', 'location'];

function changes(actor: string, before: Obj, after: Obj): string[] {
  return FIELDS.filter((f) => f in after).map((f) =>
    t('history.changed', { actor, field: t(f === 'category' ? 'category' : f), from: value(f, before[f]), to: value(f, after[f]) }),
  );
}

function moved(m: unknown): string {
  const x = obj(m);
  const n = (k: string) => Number(x[k] ?? 0);
  const parts = [
    n('messages') ? t('history.nMessages', { n: n('messages') }) : '',
    n('attachments') ? t('history.nAttachments', { n: n('attachments') }) : '',
    n('notes') ? t('history.nNotes', { n: n('notes') }) : '',
  ].filter(Boolean);
  if (!parts.length) return '';
  return currentLang() === 'zh' ? `（${parts.join('、')}）` : ` (${parts.join(', ')})`;
}

export function describeEvent(e: EventInfo): string {
  const actor = e.actor ? personName(e.actor) : t('system');
  const before = obj(e.before);
  const after = obj(e.after);
  switch (e.action) {
    case 'tip.created':
      return t('history.created', { channel: t(`channel.${String(after.channel ?? '')}`) });
    case 'tip.categorized':
    case 'tip.updated':
    case 'tip.status_changed':
    case 'tip.undismissed': {
      const lines = changes(actor, before, after);
      return lines.length ? lines.join(currentLang() === 'zh' ? '；' : '; ') : tOr(`action.${e.action}`, e.action);
    }
    case 'tip.assigned':
      return t('history.assigned', { actor, name: String(after.assignee ?? '—') });
    case 'tip.released':
      return t('history.released', { actor });
    case 'tip.claimed':
      return t('history.claimed', { actor });
    case 'tip.merged_from':
      return t('history.mergedFrom', { actor, ref: String(after.sourceReference ?? '—') }) + moved(after.moved);
    case 'tip.merged_into':
      return t('history.mergedInto', { actor, ref: String(after.intoReference ?? '—') });
    case 'tip.unmerged_from':
      return t('history.unmergedFrom', { actor, ref: String(after.sourceReference ?? '—') });
    case 'tip.unmerged':
      return t('history.unmerged', { actor, ref: String(before.intoReference ?? '—') });
    case 'note.added':
      return t('history.note', { actor });
    case 'reply.queued':
      return t('history.reply', { actor, channel: t(`channel.${String(after.channel ?? '')}`) });
    case 'message.received':
      return t('history.message', { channel: t(`channel.${String(after.channel ?? '')}`) });
    default:
      return `${actor} · ${tOr(`action.${e.action}`, e.action)}`;
  }
}
