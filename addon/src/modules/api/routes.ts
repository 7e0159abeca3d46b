import type { Logger } from 'pino';
import { ApiError } from './errors.js';
import type { ApiContext } from './request.js';

export const API_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

export type ApiHandler = (ctx: ApiContext) => Promise<void> | void;

interface Route {
  readonly path: string;
  /** Pattern ends with `/`: matches every path under it (Go ServeMux subtree pattern). */
  readonly prefix: boolean;
  readonly handlers: Map<ApiMethod, ApiHandler>;
  anyMethod: ApiHandler | undefined;
}

/**
 * The path table, with go2rtc's `api.HandleFunc` rules so existing URLs keep working:
 * - a pattern without a leading `/` (`api/streams`) is relative and mounted at `{base_path}/api/streams`;
 * - a pattern with one (`/streams`, the RTSPtoWeb shim) ignores base_path;
 * - a pattern ending in `/` matches its whole subtree, the longest such pattern winning; others match exactly;
 * - with `allow_paths` set, a pattern not listed is not registered at all (Home Assistant's managed config
 *   lists the handful of paths it uses).
 */
export class RouteTable {
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: Route[] = [];

  constructor(
    readonly basePath: string,
    private readonly allowPaths: readonly string[] | undefined,
    private readonly log: Logger,
  ) {}

  /** The absolute path a pattern is served at. */
  resolve(pattern: string): string {
    return pattern.startsWith('/') ? pattern : `${this.basePath}/${pattern}`;
  }

  /**
   * Registers `handler` for `methods` ('*' = any method, which is how most go2rtc handlers are written) and
   * returns false when allow_paths filtered the path out. Registering a method twice on one path is a bug.
   */
  add(methods: ApiMethod | readonly ApiMethod[] | '*', pattern: string, handler: ApiHandler): boolean {
    const path = this.resolve(pattern);
    if (this.allowPaths && !this.allowPaths.includes(path)) {
      this.log.trace({ path }, 'ignore path not in allow_paths');
      return false;
    }
    const prefix = path.endsWith('/');
    let route = prefix ? this.prefixes.find((r) => r.path === path) : this.exact.get(path);
    if (!route) {
      route = { path, prefix, handlers: new Map(), anyMethod: undefined };
      if (prefix) {
        this.prefixes.push(route);
        this.prefixes.sort((a, b) => b.path.length - a.path.length);
      } else {
        this.exact.set(path, route);
      }
    }
    if (methods === '*') {
      if (route.anyMethod) throw new Error(`api: ${path} already has an any-method handler`);
      route.anyMethod = handler;
    } else {
      for (const method of typeof methods === 'string' ? [methods] : methods) {
        if (route.handlers.has(method)) throw new Error(`api: ${method} ${path} already registered`);
        route.handlers.set(method, handler);
      }
    }
    this.log.trace({ path }, 'register path');
    return true;
  }

  /** The handler for a request, `undefined` when no pattern matches, or a 405 error when the method does not. */
  match(method: string, path: string): ApiHandler | undefined {
    const route = this.exact.get(path) ?? this.prefixes.find((r) => path.startsWith(r.path));
    if (!route) return undefined;
    const handler =
      route.handlers.get(method as ApiMethod) ?? (method === 'HEAD' ? route.handlers.get('GET') : undefined);
    if (handler) return handler;
    if (route.anyMethod) return route.anyMethod;
    const allowed = [...route.handlers.keys()];
    if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD');
    return () => {
      throw new MethodNotAllowed(method, allowed);
    };
  }

  /** Whether some route serves this exact path (used to keep the static fallback from shadowing it). */
  has(path: string): boolean {
    return this.exact.has(path);
  }
}

export class MethodNotAllowed extends ApiError {
  constructor(
    method: string,
    readonly allowed: readonly string[],
  ) {
    super(405, 'METHOD_NOT_ALLOWED', `method ${method} not allowed`);
  }
}
