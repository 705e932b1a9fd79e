import type { Express } from 'express';

// The routes an Express app really serves, read from its router stack (not from a list a
// person keeps), so a route added tomorrow is covered by the security tests the day it lands.

export interface ServedRoute {
  method: string;
  /** Express path with its parameters, e.g. /api/tips/:id */
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string;
  slash?: boolean;
}

export function servedRoutes(app: Express): ServedRoute[] {
  const out: ServedRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const here = layer.slash || !layer.rawPath || layer.rawPath === '/' ? prefix : `${prefix}${layer.rawPath}`;
      if (layer.route) {
        for (const p of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) {
          for (const [m, on] of Object.entries(layer.route.methods))
            if (on && m !== '_all') out.push({ method: m.toUpperCase(), path: `${prefix}${p}` });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, here);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}

/** /api/tips/:id -> /api/tips/{id} (the OpenAPI spelling). */
export const openApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

/** A concrete URL for a route: every parameter becomes a UUID (valid shape, no such row). */
export const concrete = (p: string) => p.replace(/:([A-Za-z_]+)/g, '00000000-0000-4000-8000-000000000000');
