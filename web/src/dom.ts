/** Small DOM helpers: elements from tag, attributes and children; text is always set as text, never as HTML. */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined | ((event: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child instanceof Node ? child : String(child));
  return element;
}

export const money = (cents: number): string => new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(cents / 100);

export const clock = (iso: string): string => new Date(iso).toLocaleTimeString('en-GB');

export function remaining(untilIso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((Date.parse(untilIso) - now) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Runs `tick` now and every `ms` while the tab is visible; returns the stop function. */
export function every(ms: number, tick: () => Promise<void> | void): () => void {
  let stopped = false;
  let timer: number | undefined;
  const loop = async () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      try {
        await tick();
      } catch {
        // a failed poll is shown by the tick itself; the next one tries again
      }
    }
    if (!stopped) timer = window.setTimeout(loop, ms);
  };
  void loop();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}

export const statusBadge = (status: string): HTMLElement => h('span', { class: `badge status-${status.toLowerCase()}`, 'data-testid': 'status' }, status);

/** Children for replaceChildren, leaving out the absent ones. */
export const nodes = (...children: Array<Node | string | null | undefined | false>): Array<Node | string> =>
  children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false);
