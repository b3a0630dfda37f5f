/**
 * POSIX path arithmetic for include trees (M5), without node:path, so the
 * reader runs in a browser over files held in memory.
 */

/** The folder of `file`: `.` for a bare name, `/` for a file at the root. */
export function dirname(file: string): string {
  const i = file.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : file.slice(0, i);
}

/** `path` resolved against folder `dir` (an absolute `path` stands alone), with `.` and `..` folded. */
export function joinPath(dir: string, path: string): string {
  const whole = path.startsWith('/') ? path : `${dir}/${path}`;
  const absolute = whole.startsWith('/');
  const out: string[] = [];
  for (const part of whole.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part !== '..' || !absolute) out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}
