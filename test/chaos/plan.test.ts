import { planBuyers } from '../../chaos/buyers';
import { FAULT_KINDS, planFaults } from '../../chaos/faults';
import { defaultOptions, parseChaosArgs, UsageError } from '../../chaos/options';
import { Rng } from '../../chaos/random';

describe('chaos options', () => {
  it('has bounded defaults with at least one fault of each kind (two flushes)', () => {
    const options = parseChaosArgs(['--seed=5']);
    expect(options).toMatchObject({ orders: 300, durationMs: 90_000, seed: 5, concurrency: 20, workers: 2, holdMs: 8_000, keep: false });
    if (options === 'help') throw new Error('unexpected');
    expect(options.workerKills).toBeGreaterThanOrEqual(2);
    expect(options.temporalRestarts).toBeGreaterThanOrEqual(1);
    expect(options.redisFlushes).toBeGreaterThanOrEqual(2);
    expect(options.apiKills).toBeGreaterThanOrEqual(1);
  });

  it('reads counts, durations and switches', () => {
    expect(parseChaosArgs(['--orders', '60', '--duration=25s', '--keep', '--api-kills=3', '--no-results', '--payment-faults=off'])).toMatchObject({
      orders: 60,
      durationMs: 25_000,
      keep: true,
      apiKills: 3,
      resultsFile: null,
      paymentFaults: 'off',
    });
    expect(parseChaosArgs(['--help'])).toBe('help');
  });

  it.each([['--orders=0'], ['--orders=abc'], ['--duration=soon'], ['--bogus=1'], ['--keep=yes'], ['stray']])('refuses %s', (arg) => {
    expect(() => parseChaosArgs([arg])).toThrow(UsageError);
  });
});

describe('chaos plans', () => {
  const options = defaultOptions({ seed: 11 });

  it('spreads each kind of fault over the load window without overlaps of one kind', () => {
    const plan = planFaults(new Rng(11), options);
    for (const kind of FAULT_KINDS) {
      const times = plan.filter((fault) => fault.kind === kind).map((fault) => fault.atMs);
      expect(times.length).toBeGreaterThanOrEqual(1);
      for (const time of times) {
        expect(time).toBeGreaterThanOrEqual(options.durationMs * 0.1);
        expect(time).toBeLessThanOrEqual(options.durationMs * 0.85);
      }
    }
    const restarts = plan.filter((fault) => fault.kind === 'temporal-restart' || fault.kind === 'api-kill');
    expect(restarts.every((fault) => fault.downMs > 0)).toBe(true);
    expect(planFaults(new Rng(11), options)).toEqual(plan);
  });

  it('kills one API instance at a time, the instances taking turns', () => {
    const plan = planFaults(new Rng(11), { ...options, apis: 2, apiKills: 4 });
    const kills = plan.filter((fault) => fault.kind === 'api-kill');
    expect(kills.map((fault) => fault.api)).toEqual([0, 1, 0, 1]);
    for (const [i, kill] of kills.slice(1).entries()) expect(kill.atMs).toBeGreaterThan(kills[i].atMs + kills[i].downMs);
  });

  it('draws the same buyers from the same seed, with a mix of intents and tokens', () => {
    const draw = () => planBuyers(new Rng(3), { orders: 300, durationMs: 90_000, holdMs: 8_000, productIds: [1, 2, 3], orderIdSecret: 'plan-test-secret' });
    const buyers = draw();
    expect(draw()).toEqual(buyers);
    expect(new Set(buyers.map((buyer) => buyer.intent))).toEqual(new Set(['pay', 'cancel', 'abandon']));
    expect(new Set(buyers.map((buyer) => buyer.tokens[0])).size).toBe(6);
    expect(new Set(buyers.map((buyer) => buyer.orderId)).size).toBe(300);
    expect(buyers.every((buyer) => buyer.arriveAtMs >= 0 && buyer.arriveAtMs <= 90_000)).toBe(true);
    expect(buyers.some((buyer) => buyer.items.length === 2)).toBe(true);
  });
});
