/** The sampling heap profile of V8's inspector (`HeapProfiler.stopSampling`), grouped by where ts2rtc allocates. */

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based. */
  readonly lineNumber: number;
}

export interface SamplingNode {
  readonly callFrame: CallFrame;
  /** Bytes sampled with this node on top of the stack. */
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

/** Code under this path is ts2rtc's (the built server); the rest is Node's, V8's or a package's. */
const OURS = '/addon/dist/';

function frameName(frame: CallFrame): string {
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
}

/**
 * Bytes by site, a site being the nearest ts2rtc function on the stack and, when that is not the one that
 * allocated, the allocating function after ` <= ` (a builtin such as `Uint8Array`, or Node's code under ours).
 */
export function allocationSites(head: SamplingNode): { total: number; sites: Map<string, number> } {
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingNode, nearest: string | undefined): void => {
    const here = frameName(node.callFrame);
    const ours = node.callFrame.url.includes(OURS) ? here : nearest;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const site = ours === here ? here : `${ours ?? '(no ts2rtc frame)'} <= ${here}`;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, ours);
  };
  walk(head, undefined);
  return { total, sites };
}
