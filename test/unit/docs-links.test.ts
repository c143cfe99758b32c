/**
 * README.md and docs/ stay true to the tree: every relative link names a file that exists (and, with a #fragment into
 * a Markdown file, a heading of it), and every `npm run <script>` they name is a script in package.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const scripts = new Set(Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function headingSlugs(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slugOf(match[1]!)));
}

/** The targets of [text](target) links outside code blocks and spans, skipping absolute URLs and mail links. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe.each(documents)('%s', (document) => {
  const markdown = readFileSync(join(root, document), 'utf8');

  it('links only to files and headings that exist', () => {
    const broken = relativeLinks(markdown).filter((target) => {
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, document) : resolve(root, dirname(document), path);
      if (!existsSync(file)) return true;
      if (fragment === undefined || !file.endsWith('.md')) return false;
      return !headingSlugs(readFileSync(file, 'utf8')).has(fragment);
    });
    expect(broken).toEqual([]);
  });

  it('names only npm scripts that package.json has', () => {
    const named = [...markdown.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((match) => match[1]!);
    expect(named.filter((script) => !scripts.has(script))).toEqual([]);
  });
});

it('README.md is a first screen: at most 200 lines', () => {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
  expect(lines).toBeLessThanOrEqual(200);
});
