// The metrics' own rules: the scrape token, and what the ivr figures become in the Prometheus text.
import { describe, expect, it } from 'vitest';
import { bearerMatches, createMetricsRegistry, registerIvrMetrics } from '../../cti/metrics.ts';

describe('the scrape token', () => {
  const token = 'a'.repeat(40);

  it('is taken only as the whole bearer token', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token}a`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(1)}`, token)).toBe(false);
    expect(bearerMatches('Bearer ', token)).toBe(false);
  });
});

describe('an ivr process’s figures', () => {
  it('show as calls in progress, calls taken and dial attempts by result, prefixed hotline_', async () => {
    const registry = createMetricsRegistry();
    let taken = { inbound: 2, outbound: 1 };
    const ended: Record<string, number> = { answered: 3, busy: 1 };
    registerIvrMetrics(registry, {
      node: 'n1',
      liveCalls: () => ({ inbound: 1, outbound: 0 }),
      callsTaken: () => taken,
      attemptsEnded: () => ended,
    });
    let text = await registry.metrics();
    expect(text).toContain('hotline_calls_in_progress{role="ivr",node="n1",direction="inbound"} 1');
    expect(text).toContain('hotline_calls_total{node="n1",direction="inbound"} 2');
    expect(text).toContain('hotline_dial_attempts_total{node="n1",result="busy"} 1');
    expect(text).toContain('# TYPE hotline_calls_total counter');
    expect(text).toContain('hotline_process_cpu_user_seconds_total');
    taken = { inbound: 5, outbound: 1 };
    text = await registry.metrics();
    expect(text).toContain('hotline_calls_total{node="n1",direction="inbound"} 5');
  });
});
