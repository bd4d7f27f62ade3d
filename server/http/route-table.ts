import type { Route } from './context';

/**
 * Matches a request to a route. Paths are exact (`/api/patients`) or carry
 * `:name` segments (`/cds-services/:id`), each matching one non-empty path
 * segment, handed to the handler decoded in `ctx.params`. Exact paths win
 * over patterns, so a fixed endpoint can sit beside a parameterised one.
 */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export type Lookup =
  | { kind: 'found'; match: RouteMatch }
  | { kind: 'wrong-method'; allow: string[] }
  | { kind: 'none' }
  | { kind: 'bad-param' };

interface Pattern {
  route: Route;
  regex: RegExp;
  names: string[];
}

export class RouteTable {
  private readonly exact = new Map<string, Route[]>();
  private readonly patterns: Pattern[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      if (!route.path.includes('/:')) {
        const list = this.exact.get(route.path) ?? [];
        list.push(route);
        this.exact.set(route.path, list);
        continue;
      }
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((seg) => {
          if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(seg.slice(1));
          return '([^/]+)';
        })
        .join('/');
      this.patterns.push({ route, regex: new RegExp(`^${source}$`), names });
    }
  }

  lookup(method: string, pathname: string): Lookup {
    const fixed = this.exact.get(pathname);
    if (fixed) {
      const route = fixed.find((r) => r.method === method);
      return route ? { kind: 'found', match: { route, params: {} } } : { kind: 'wrong-method', allow: fixed.map((r) => r.method) };
    }
    const allow: string[] = [];
    for (const p of this.patterns) {
      const m = p.regex.exec(pathname);
      if (!m) continue;
      if (p.route.method !== method) {
        allow.push(p.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      try {
        p.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      } catch {
        return { kind: 'bad-param' };
      }
      return { kind: 'found', match: { route: p.route, params } };
    }
    return allow.length ? { kind: 'wrong-method', allow } : { kind: 'none' };
  }
}
