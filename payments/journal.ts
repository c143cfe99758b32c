import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The stand-in's books on disk: an append-only file of JSON lines, one per change (an authorisation made, an
 * authorisation changed, an idempotent answer recorded), replayed in order at start-up. Each change is appended
 * synchronously before the request is answered, so a stand-in killed at any moment keeps every answer it gave, as a
 * real provider does. A line torn by a crash mid-write is the last one, and is skipped.
 */
export class Journal {
  private constructor(private readonly path: string) {}

  /** Opens (creating the directory if needed) and returns the entries written so far, oldest first. */
  static open<Entry>(path: string): { journal: Journal; entries: Entry[] } {
    mkdirSync(dirname(path), { recursive: true });
    const entries: Entry[] = [];
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          entries.push(JSON.parse(line) as Entry);
        } catch {
          break; // a torn last line: nothing after it was ever written
        }
      }
    }
    return { journal: new Journal(path), entries };
  }

  append(entry: unknown): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}
