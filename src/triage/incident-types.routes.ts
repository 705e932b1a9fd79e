import { Router } from 'express';
import type { Deps } from '../deps.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { incidentTypesService } from './incident-types.service.js';
import {
  IncidentCodeParams,
  IncidentTypeCreateSchema,
  IncidentTypePatchSchema,
  IncidentTypeResponseSchema,
  IncidentTypesResponseSchema,
} from './incident-types.schema.js';
import { LIST_KEEPERS } from './policy.js';

/** The incident taxonomy (types and their synonyms) that new tips are read against. */
export function incidentTypesRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  const types = incidentTypesService(deps);
  const common = { tag: 'incident types', access: [...LIST_KEEPERS] };

  api.route(
    r,
    {
      ...common,
      method: 'get',
      path: '/incident-types',
      summary: 'The incident types, active first, with their synonyms',
      response: IncidentTypesResponseSchema,
    },
    () => types.list(),
  );

  api.route(
    r,
    {
      ...common,
      method: 'post',
      path: '/incident-types',
      summary: 'Add an incident type; new tips are read for it at once',
      body: IncidentTypeCreateSchema,
      response: IncidentTypeResponseSchema,
      status: 201,
      errors: [409],
    },
    ({ user, body }) => types.create(user, body),
  );

  api.route(
    r,
    {
      ...common,
      method: 'patch',
      path: '/incident-types/:code',
      summary: 'Change a type’s name or synonyms, or (de)activate it',
      params: IncidentCodeParams,
      body: IncidentTypePatchSchema,
      response: IncidentTypeResponseSchema,
      errors: [404],
    },
    ({ user, params, body }) => types.update(user, params.code, body),
  );

  api.route(
    r,
    {
      ...common,
      method: 'delete',
      path: '/incident-types/:code',
      summary: 'Deactivate a type: new tips are no longer read for it; tips already read keep it',
      params: IncidentCodeParams,
      response: IncidentTypeResponseSchema,
      errors: [404],
    },
    ({ user, params }) => types.deactivate(user, params.code),
  );

  return r;
}
