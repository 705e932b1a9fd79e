import { Router } from 'express';
import type { Deps } from '../deps.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { placesService } from './places.service.js';
import { PlaceCreateSchema, PlaceResponseSchema, PlacesResponseSchema } from './places.schema.js';
import { IdParams } from './triage.schema.js';

/** The newsroom's places (estates, roads, landmarks) that tips' locations are read against: editors and admins keep the list. */
const EDITORS = ['ADMIN', 'EDITOR'] as const;

export function placesRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  const places = placesService(deps);

  api.route(
    r,
    { method: 'get', path: '/places', tag: 'places', access: [...EDITORS], summary: "The newsroom's places list", response: PlacesResponseSchema },
    () => places.list(),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/places',
      tag: 'places',
      access: [...EDITORS],
      summary: 'Add an estate, road or landmark; new tips are read against it at once',
      body: PlaceCreateSchema,
      response: PlaceResponseSchema,
      status: 201,
      errors: [409],
    },
    ({ user, body }) => places.create(user, body),
  );

  api.route(
    r,
    {
      method: 'delete',
      path: '/places/:id',
      tag: 'places',
      access: [...EDITORS],
      summary: 'Remove a place from the list',
      params: IdParams,
      errors: [404],
    },
    async ({ user, params }) => {
      await places.remove(user, params.id);
    },
  );

  return r;
}
