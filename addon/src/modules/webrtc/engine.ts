import type { Negotiated, OfferRequest, WebrtcContext } from './session.js';

type SessionModule = typeof import('./session.js');
let session: Promise<SessionModule> | undefined;

/**
 * Negotiates an offer, loading werift (and the rest of the session code) on the first call: werift costs
 * ~25 MB of RSS and ~0.3 s of start-up, which a server nobody watches over WebRTC should not pay (issue 11:
 * idle RSS). The first offer waits for the import once (~150 ms); later ones find it loaded.
 */
export async function negotiate(ctx: WebrtcContext, request: OfferRequest): Promise<Negotiated> {
  await ctx.ready();
  session ??= import('./session.js');
  return (await session).negotiate(ctx, request);
}
