import type { Deps } from '../deps.js';
import type { AuthUser } from '../users/users.schema.js';
import { eventsOf, visibleTip } from './detail.js';

export async function tipEvents(deps: Deps, viewer: AuthUser, id: string) {
  await visibleTip(deps, viewer, id);
  return { events: await eventsOf(deps, id) };
}
