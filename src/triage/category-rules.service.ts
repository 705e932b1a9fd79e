import type { z } from 'zod';
import type { Deps } from '../deps.js';
import { isUniqueViolation } from '../db/prisma.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { loadRules, suggestCategory } from '../tips/categorize.js';
import { audit } from '../audit/audit.js';
import { fromDbCategory, toDbCategory, type CategoryRuleCreateSchema, type CategoryRulePatchSchema } from './triage.schema.js';

// The suggestion model is the category_rule table; admins edit it here and every change
// is in the audit trail (tip-less events). New tips use the rules at once.

const select = { id: true, category: true, phrase: true, weight: true, active: true, createdAt: true } as const;
type Row = { id: string; category: string; phrase: string; weight: number; active: boolean; createdAt: Date };
const view = (r: Row) => ({ ...r, category: fromDbCategory(r.category)!, createdAt: r.createdAt.toISOString() });
const duplicate = () => new AppError('CONFLICT', 'That phrase is already a rule of that category', { reason: 'duplicate_rule' });

export function categoryRulesService(deps: Pick<Deps, 'prisma' | 'clock'>) {
  const { prisma, clock } = deps;
  return {
    async list() {
      const rows = await prisma.categoryRule.findMany({ select, orderBy: [{ category: 'asc' }, { weight: 'desc' }, { phrase: 'asc' }] });
      return { rules: rows.map(view) };
    },

    async create(actor: AuthUser, input: z.infer<typeof CategoryRuleCreateSchema>) {
      const now = clock.now();
      try {
        const rule = await prisma.$transaction(async (tx) => {
          const r = await tx.categoryRule.create({ data: { ...input, category: toDbCategory(input.category), createdAt: now }, select });
          await audit(tx, { tipId: null, actorId: actor.id, action: 'category_rule.created', after: view(r), at: now });
          return r;
        });
        return { rule: view(rule) };
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicate();
        throw e;
      }
    },

    async update(actor: AuthUser, id: string, input: z.infer<typeof CategoryRulePatchSchema>) {
      const now = clock.now();
      try {
        const rule = await prisma.$transaction(async (tx) => {
          const before = await tx.categoryRule.findUnique({ where: { id }, select });
          if (!before) throw AppError.notFound('Category rule');
          const r = await tx.categoryRule.update({
            where: { id },
            data: { ...input, category: input.category ? toDbCategory(input.category) : undefined },
            select,
          });
          await audit(tx, { tipId: null, actorId: actor.id, action: 'category_rule.updated', before: view(before), after: view(r), at: now });
          return r;
        });
        return { rule: view(rule) };
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicate();
        throw e;
      }
    },

    async remove(actor: AuthUser, id: string) {
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const before = await tx.categoryRule.findUnique({ where: { id }, select });
        if (!before) throw AppError.notFound('Category rule');
        await tx.categoryRule.delete({ where: { id } });
        await audit(tx, { tipId: null, actorId: actor.id, action: 'category_rule.deleted', before: view(before), at: now });
      });
    },

    /** What the live rules would suggest for a text: lets an admin try a change before relying on it. */
    async preview(text: string) {
      const s = suggestCategory(text, await loadRules(prisma));
      return { suggestion: s ? { ...s, category: fromDbCategory(s.category)! } : null };
    },
  };
}
