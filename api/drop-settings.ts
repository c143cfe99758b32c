import type { MikroORM } from '@mikro-orm/core';
import { getDropSettings, type DropSettings } from '../db/drops';

/**
 * Each product's start and waiting room, as this process last read them from MySQL: every order placement and every
 * queue poll asks, so a read serves every request for the product for `maxAgeMs` (one MySQL read a second per
 * product and process, not one per order). A change through this process (PATCH /products/:id/sale) is seen at once;
 * one through another replica within `maxAgeMs`.
 */
export class DropSettingsCache {
  private readonly entries = new Map<number, { at: number; settings: Promise<DropSettings | null> }>();

  constructor(
    private readonly orm: MikroORM,
    private readonly maxAgeMs = DEFAULT_DROP_SETTINGS_MAX_AGE_MS,
  ) {}

  get(productId: number): Promise<DropSettings | null> {
    const now = Date.now();
    const entry = this.entries.get(productId);
    if (entry && now - entry.at < this.maxAgeMs) return entry.settings;
    const settings = getDropSettings(this.orm, productId);
    this.entries.set(productId, { at: now, settings });
    // A failed read is not kept: the next request reads again.
    settings.catch(() => this.entries.get(productId)?.settings === settings && this.entries.delete(productId));
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return settings;
  }

  forget(productId: number): void {
    this.entries.delete(productId);
  }
}

export const DEFAULT_DROP_SETTINGS_MAX_AGE_MS = 1_000;
/** Bounded whatever product ids clients send (an unknown id is cached as null too). */
const MAX_ENTRIES = 10_000;
