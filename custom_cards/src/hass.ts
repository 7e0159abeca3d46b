/** The part of Home Assistant's `hass` object the card uses. */
export interface HassEntity {
  state: string;
  attributes: Record<string, unknown>;
}

export interface Hass {
  states: Record<string, HassEntity>;
  config?: { components?: string[] };
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  callService(domain: string, service: string, data?: Record<string, unknown>): Promise<unknown>;
  /** Absolute URL of a path on Home Assistant (differs from the page's origin in the companion app). */
  hassUrl?(path?: string): string;
}

/** `hass.hassUrl(path)`, or the page's origin when the object has no such method. */
export function absoluteHassUrl(hass: Hass, path: string): string {
  if (typeof hass.hassUrl === 'function') return hass.hassUrl(path);
  return new URL(path, location.origin).toString();
}
