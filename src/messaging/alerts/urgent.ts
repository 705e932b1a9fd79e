import type { Config } from '../../config.js';
import type { Tx } from '../../db/prisma.js';
import { categoryLine, tipLink } from '../notify.js';
import { raiseAlert } from './raise.js';

/** An editor marked a tip urgent: the desk's group hears of it once, with the reference and a link only. */
export function raiseUrgentAlert(tx: Tx, config: Config, tip: { id: string; reference: string; category: string | null }) {
  return raiseAlert(tx, {
    key: `urgent:${tip.id}`,
    kind: 'urgent',
    tipId: tip.id,
    title: `紧急爆料 ${tip.reference} / Urgent tip`,
    text: [`编号 Reference: ${tip.reference}`, `栏目 Section: ${categoryLine(tip.category)}`, `打开 Open: ${tipLink(config, tip.id)}`].join('\n'),
  });
}
