import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { categoryRulesService } from './category-rules.service.js';
import {
  CategoryRuleCreateSchema,
  CategoryRulePatchSchema,
  CategoryRuleResponseSchema,
  CategoryRulesResponseSchema,
  IdParams,
} from './triage.schema.js';

/** The phrase rules behind the section suggestion: editors read them, admins change them. */
const EDITORS = ['ADMIN', 'EDITOR'] as const;

export function categoryRulesRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  const rules = categoryRulesService(deps);

  api.route(
    r,
    {
      method: 'get',
      path: '/category-rules',
      tag: 'categories',
      access: [...EDITORS],
      summary: 'The phrase rules behind category suggestions',
      response: CategoryRulesResponseSchema,
    },
    () => rules.list(),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/category-rules/preview',
      tag: 'categories',
      access: [...EDITORS],
      summary: 'What the live rules suggest for a text',
      body: z.object({ text: z.string().min(1).max(20_000) }),
      response: z.object({
        suggestion: z
          .object({
            category: z.enum(['household', 'neighborhood', 'community']),
            confidence: z.number(),
            terms: z.array(z.string()),
            scores: z.record(z.string(), z.number()).meta({ description: 'evidence per category (HOUSEHOLD, NEIGHBORHOOD, COMMUNITY)' }),
          })
          .nullable(),
      }),
    },
    ({ body }) => rules.preview(body.text),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/category-rules',
      tag: 'categories',
      access: ['ADMIN'],
      summary: 'Add a phrase rule',
      body: CategoryRuleCreateSchema,
      response: CategoryRuleResponseSchema,
      status: 201,
      errors: [409],
    },
    ({ user, body }) => rules.create(user, body),
  );

  api.route(
    r,
    {
      method: 'patch',
      path: '/category-rules/:id',
      tag: 'categories',
      access: ['ADMIN'],
      summary: 'Change a phrase rule',
      params: IdParams,
      body: CategoryRulePatchSchema,
      response: CategoryRuleResponseSchema,
      errors: [404, 409],
    },
    ({ user, params, body }) => rules.update(user, params.id, body),
  );

  api.route(
    r,
    {
      method: 'delete',
      path: '/category-rules/:id',
      tag: 'categories',
      access: ['ADMIN'],
      summary: 'Delete a phrase rule',
      params: IdParams,
      errors: [404],
    },
    async ({ user, params }) => {
      await rules.remove(user, params.id);
    },
  );

  return r;
}
