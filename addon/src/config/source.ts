import type { ConfigLocation } from './errors.js';

/** One `${VAR}` that was replaced: where it sits in the text we parse, and where it sat in the original. */
export interface Replacement {
  readonly outStart: number;
  readonly outEnd: number;
  readonly inStart: number;
  readonly inEnd: number;
}

/**
 * The text of one config source and the way back from an offset in the parsed text to a line and column of
 * what the user wrote. `${VAR}` substitution changes lengths, and a `-c key.path=value` value is parsed
 * on its own, so the YAML parser's offsets are translated before they reach a message.
 */
export class SourceText {
  private readonly lineStarts: number[];

  constructor(
    /** Shown in messages: the file path as given, or `-c#N`. */
    readonly label: string,
    /** What the user wrote. */
    readonly original: string,
    /** What the YAML parser sees. */
    readonly text: string = original,
    /** Sorted by position, not overlapping. */
    readonly replacements: readonly Replacement[] = [],
    /** Added to every original offset: where `text` starts inside `original`. */
    readonly shift = 0,
  ) {
    this.lineStarts = [0];
    for (let i = 0; i < original.length; i++) {
      if (original.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** Offset in `text` → offset in `original`. Inside a replacement it points at the `${`. */
  originalOffset(offset: number): number {
    let mapped = offset;
    for (const r of this.replacements) {
      if (r.outStart > offset) break;
      mapped = offset < r.outEnd ? r.inStart : offset - r.outEnd + r.inEnd;
    }
    return Math.max(0, Math.min(this.original.length, mapped + this.shift));
  }

  locate(offset: number): ConfigLocation {
    const at = this.originalOffset(offset);
    // Binary search for the last line start at or before `at`.
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.label, line: lo + 1, column: at - (this.lineStarts[lo] ?? 0) + 1 };
  }
}
