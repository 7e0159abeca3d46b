import { FfmpegError } from './errors.js';

/** Longest text split into arguments (templates, `#raw=`, `exec:` commands). */
export const MAX_COMMAND_LENGTH = 16 * 1024;
/** Most arguments one command may have. */
export const MAX_ARGUMENTS = 1024;

/**
 * Splits a command line into arguments the way go2rtc's templates and `exec:` commands are written: blanks
 * separate, single or double quotes group (no escapes inside; a quoted part may touch unquoted text, so
 * `-vf "scale=1:2"` and `--x='a b'` both work). No shell is involved: `$`, `|`, `;` and `>` are plain
 * characters, so nothing in the text can run a second command. Throws FFMPEG_ARGS_INVALID on an unclosed
 * quote or beyond the caps.
 */
export function splitArgs(text: string): string[] {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new FfmpegError('FFMPEG_ARGS_INVALID', `command longer than ${MAX_COMMAND_LENGTH} characters`);
  }
  const args: string[] = [];
  let current = '';
  let inToken = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inToken) push();
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new FfmpegError('FFMPEG_ARGS_INVALID', `unclosed ${c} at position ${i}`);
      current += text.slice(i + 1, end);
      inToken = true;
      i = end + 1;
      continue;
    }
    current += c;
    inToken = true;
    i++;
  }
  if (inToken) push();
  return args;

  function push(): void {
    if (args.length >= MAX_ARGUMENTS)
      throw new FfmpegError('FFMPEG_ARGS_INVALID', `more than ${MAX_ARGUMENTS} arguments`);
    args.push(current);
    current = '';
    inToken = false;
  }
}
