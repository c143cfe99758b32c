import { serveMetrics, serveMetricsIfFree } from '../../telemetry/metrics-endpoint';

const quietLogger = () => ({ info: jest.fn(), warn: jest.fn() });

test('GET /metrics answers every source in the Prometheus text format, one after the other', async () => {
  const endpoint = await serveMetrics({ port: 0, host: '127.0.0.1' }, [async () => 'a_total 1', async () => 'b_total 2\n']);
  try {
    const answer = await fetch(`http://127.0.0.1:${endpoint.port}/metrics`);
    expect(answer.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await answer.text()).toBe('a_total 1\nb_total 2\n');
    expect((await fetch(`http://127.0.0.1:${endpoint.port}/other`)).status).toBe(404);
  } finally {
    await endpoint.close();
  }
});

test('a metrics port already taken costs the endpoint only: a warning, no crash', async () => {
  const first = await serveMetrics({ port: 0, host: '0.0.0.0' }, [async () => '']);
  const logger = quietLogger();
  try {
    expect(await serveMetricsIfFree({ port: first.port, host: '0.0.0.0' }, [async () => ''], logger, 'worker')).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith({ port: first.port }, expect.stringContaining('in use'));
  } finally {
    await first.close();
  }
});
