import { checkAuth, type AuthOptions } from './middleware.js';
import type { ApiContext } from './request.js';

/**
 * True when the request itself carries the API's credentials (checked here, loopback included: the loopback
 * bypass lets a request through without them, and an unchecked header proves nothing). Such a client is the
 * owner the credentials were set for: it may see secrets unmasked (`/api/streams`, `/api/config?raw=1`).
 */
export function presentsApiCredentials(ctx: ApiContext, auth: AuthOptions | undefined): boolean {
  if (!auth || !ctx.get('authorization')) return false;
  return checkAuth(ctx.req, { ...auth, localAuth: true });
}
