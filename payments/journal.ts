import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The stand-in's books on disk: an append-only file of JSON lines, one per change (an authorisation made, an
 * authorisation changed, an idempotent answer recorded), replayed in order at start-up. Each change is appended
 * synchronously before the request is answered, so a stand-in killed at any moment keeps every answer it gave, as a
 * real provider does. A crash mid-write can leave only the last line torn: it is cut off at start-up, before
 * anything new is appended, so the next line starts on a line of its own instead of being glued to the torn one
 * (which would make that line, and every later one, unreadable at the next start).
 */
export class Journal {
  private constructor(private readonly path: string) {}

  /** Opens (creating the directory if needed) and returns the entries written so far, oldest first. */
  static open<Entry>(path: string): { journal: Journal; entries: Entry[] } {
    mkdirSync(dirname(path), { recursive: true });
    const entries: Entry[] = [];
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      const totalBytes = Buffer.byteLength(text);
      let intactBytes = 0;
      for (const line of text.split('\n')) {
        const lineBytes = Buffer.byteLength(line) + 1;
        if (intactBytes + lineBytes > totalBytes) break; // no newline after it: torn, or the empty rest after the last one
        if (line.trim() !== '') {
          try {
            entries.push(JSON.parse(line) as Entry);
          } catch {
            break; // torn: nothing after it was ever written by the process that tore it
          }
        }
        intactBytes += lineBytes;
      }
      if (intactBytes < totalBytes) truncateSync(path, intactBytes);
    }
    return { journal: new Journal(path), entries };
  }

  append(entry: unknown): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}
