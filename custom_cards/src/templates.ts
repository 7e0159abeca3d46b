/**
 * AlexxIT's JavaScript templates: `${ ... }` inside `style`, `shortcuts` and `ptz` values, evaluated with
 * `states` (Home Assistant's entity states) and `this` (`streamName`, `streamID`) in scope. They are code the
 * dashboard's admin wrote, run as AlexxIT's card runs them, so existing configs keep working.
 */
export interface TemplateScope {
  states: Record<string, unknown>;
  streamName: string;
  streamID: number;
}

export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('${');
  if (value === undefined || value === null) return false;
  return JSON.stringify(value).includes('${');
}

/** Renders a string template; returns the text unchanged when it has none, or on an error (logged). */
export function renderText(template: string, scope: TemplateScope): string {
  if (!template.includes('${')) return template;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- AlexxIT-compatible templates (see above).
    const fn = new Function('states', `return \`${template.replace(/`/g, '\\`')}\`;`) as (states: unknown) => unknown;
    return String(fn.call({ streamName: scope.streamName, streamID: scope.streamID }, scope.states));
  } catch (err) {
    console.debug('webrtc-camera: template', err);
    return template;
  }
}

/** Renders every string inside a JSON-able value (shortcut lists, PTZ service data). */
export function renderValue<T>(value: T, scope: TemplateScope): T {
  if (!hasTemplate(value)) return value;
  if (typeof value === 'string') return renderText(value, scope) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => renderValue(v, scope)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope);
    return out as T;
  }
  return value;
}
