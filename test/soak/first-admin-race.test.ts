import { afterAll, beforeAll, expect, it } from 'vitest';
import { usersService } from '../../src/users/users.service.js';
import { createHarness, type Harness } from '../support/harness.js';

// Found by the soak: the API and the workers start at once and each makes sure an admin exists.
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

it('processes starting together make one first admin and none of them fails', async () => {
  const users = usersService(h.deps);
  const results = await Promise.all([1, 2, 3, 4].map(() => users.ensureAdmin('chief@paper.example', 'a-long-admin-password')));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await h.deps.prisma.user.count({ where: { role: 'ADMIN' } })).toBe(1);
});
