/**
 * A drop's waiting room on the storefront (issue 26): join, the place and the ETA range polled every
 * pollAfterSeconds, "Sold out" as soon as the API says so, the time left once admitted, leave. The ticket travels in
 * the Queue-Ticket header only (a URL would put it in logs) and is kept in sessionStorage, per buyer and drop, so a
 * reload in the same tab keeps the place.
 */
import { api, ApiError } from './api';
import { clock, h, remaining } from './dom';
import { currentSession } from './session';

type Place =
  | { ticket: string; state: 'WAITING'; position: number | null; estimatedWait: { minSeconds: number; maxSeconds: number | null }; pollAfterSeconds: number; reason?: string }
  | { ticket: string; state: 'ADMITTED'; admittedUntil: string }
  | { ticket: string; state: 'SOLD_OUT' }
  | { ticket: string; state: 'EXPIRED'; reason: 'ADMISSION_USED' | 'ADMISSION_LAPSED' | 'LEFT' };

/** While admitted, the place is asked again this often (to notice a lapse); the countdown ticks every second. */
const ADMITTED_POLL_MS = 5_000;

const storageKey = (productId: number) => `queue-ticket:${currentSession()?.sub ?? ''}:${productId}`;
const storedTicket = (productId: number): string | null => sessionStorage.getItem(storageKey(productId));

/** The Queue-Ticket header for an order of these products: the ticket of the (one) queued drop among them, if any. */
export function queueTicketHeader(productIds: number[]): Record<string, string> {
  for (const productId of productIds) {
    const ticket = storedTicket(productId);
    if (ticket) return { 'Queue-Ticket': ticket };
  }
  return {};
}

/** "about 2–4 min", "about 5–20 s"; an open end when nobody was admitted in the last minute. */
export function etaText({ minSeconds, maxSeconds }: { minSeconds: number; maxSeconds: number | null }): string {
  const unit = (seconds: number) => (seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`);
  if (maxSeconds === null) return `at least ${unit(minSeconds)} (the line moves when units held by buyers paying come back)`;
  if (maxSeconds >= 60 && minSeconds >= 60) return Math.ceil(minSeconds / 60) === Math.ceil(maxSeconds / 60) ? `about ${unit(maxSeconds)}` : `about ${Math.ceil(minSeconds / 60)}–${Math.ceil(maxSeconds / 60)} min`;
  if (maxSeconds < 60) return minSeconds === maxSeconds ? `about ${minSeconds} s` : `about ${minSeconds}–${maxSeconds} s`;
  return `about ${unit(minSeconds)} – ${unit(maxSeconds)}`;
}

/** One queued drop's panel in its product card. `admitted` says whether the buyer may place an order now. */
export class DropQueue {
  readonly element: HTMLElement;
  private readonly status = h('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'queue-status' });
  private readonly detail = h('p', { class: 'muted', 'data-testid': 'queue-detail' });
  private readonly join = h('button', { type: 'button', onclick: () => void this.enter() }, 'Join the queue');
  private readonly leave = h('button', { type: 'button', class: 'secondary', onclick: () => void this.exit() }, 'Leave the queue');
  private place: Place | null = null;
  private pollTimer: number | undefined;
  private readonly countdownTimer: number;
  private stopped = false;

  constructor(
    private readonly productId: number,
    private readonly admittedChanged: (admitted: boolean) => void,
    private readonly describe: (error: unknown) => string,
  ) {
    this.element = h('div', { class: 'queue', 'data-testid': 'queue' }, this.status, this.detail, h('div', { class: 'actions' }, this.join, this.leave));
    this.countdownTimer = window.setInterval(() => this.tick(), 1_000);
    this.render();
    if (storedTicket(productId)) void this.refresh();
  }

  get admittedTicket(): string | null {
    return this.place?.state === 'ADMITTED' ? this.place.ticket : null;
  }

  /** Asks where the buyer stands now (after an order, say); schedules the next poll. */
  async refresh(): Promise<void> {
    const ticket = storedTicket(this.productId);
    if (!ticket) return;
    try {
      this.show(await api<Place>('GET', `/products/${this.productId}/queue`, undefined, { headers: { 'Queue-Ticket': ticket } }));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'QUEUE_TICKET_INVALID') this.forget();
      this.detail.textContent = `Could not ask the queue: ${this.describe(error)}`;
      this.schedule(ADMITTED_POLL_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.pollTimer);
    window.clearInterval(this.countdownTimer);
  }

  private async enter(): Promise<void> {
    try {
      const place = await api<Place>('POST', `/products/${this.productId}/queue`);
      sessionStorage.setItem(storageKey(this.productId), place.ticket);
      this.show(place);
    } catch (error) {
      this.detail.textContent = this.describe(error);
    }
  }

  private async exit(): Promise<void> {
    const ticket = storedTicket(this.productId);
    if (!ticket) return;
    try {
      await api('DELETE', `/products/${this.productId}/queue`, undefined, { headers: { 'Queue-Ticket': ticket } });
      this.forget();
      this.place = null;
      this.render();
      this.status.textContent = 'You left the queue.';
    } catch (error) {
      this.detail.textContent = this.describe(error);
    }
  }

  private show(place: Place): void {
    this.place = place;
    if (place.state === 'SOLD_OUT' || place.state === 'EXPIRED') this.forget();
    this.render();
    if (place.state === 'WAITING') this.schedule(place.pollAfterSeconds * 1_000);
    else if (place.state === 'ADMITTED') this.schedule(ADMITTED_POLL_MS);
  }

  private schedule(ms: number): void {
    window.clearTimeout(this.pollTimer);
    if (!this.stopped && storedTicket(this.productId)) this.pollTimer = window.setTimeout(() => void this.refresh(), ms);
  }

  private forget(): void {
    sessionStorage.removeItem(storageKey(this.productId));
    window.clearTimeout(this.pollTimer);
  }

  private render(): void {
    const place = this.place;
    const inLine = place?.state === 'WAITING' || place?.state === 'ADMITTED';
    this.join.hidden = inLine || place?.state === 'SOLD_OUT';
    this.leave.hidden = !inLine;
    this.status.className = place?.state === 'SOLD_OUT' ? 'sold-out' : '';
    this.admittedChanged(place?.state === 'ADMITTED');
    switch (place?.state) {
      case undefined:
        this.status.textContent = 'This drop has a waiting room: join the queue to buy.';
        this.detail.textContent = '';
        return;
      case 'WAITING':
        this.status.textContent = place.position === null ? 'In the queue: places are drawn by lot at the start' : `In the queue: position ${place.position}`;
        this.detail.textContent = `Estimated wait: ${etaText(place.estimatedWait)}${place.reason === 'ADMISSION_RATE_DROPPED' ? ' (longer: buyers are let in more slowly now)' : ''}`;
        return;
      case 'ADMITTED':
        this.tick();
        this.detail.textContent = 'Reserve now: your admission is for one order.';
        return;
      case 'SOLD_OUT':
        this.status.textContent = 'Sold out';
        this.detail.textContent = 'Every unit is sold: none can come back.';
        return;
      case 'EXPIRED':
        this.status.textContent =
          place.reason === 'ADMISSION_USED' ? 'Your admission was used by your order.' : place.reason === 'ADMISSION_LAPSED' ? 'Your admission lapsed unused: join again.' : 'You left the queue.';
        this.detail.textContent = '';
        return;
    }
  }

  private tick(): void {
    if (this.place?.state !== 'ADMITTED') return;
    this.status.textContent = `Your turn: ${remaining(this.place.admittedUntil)} left to place your order (until ${clock(this.place.admittedUntil)})`;
  }
}
