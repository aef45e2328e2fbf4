import { fileURLToPath } from 'node:url';
// The shared core: phone numbers, masking them in logs, configuration and password hashes.
import { describe, it, expect } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { createLogger, maskPhone, maskPhones, redactTicket } from '../../core/logger.ts';
import { hashPassword, verifyPassword } from '../../core/password.ts';
import { normalizePhone } from '../../core/index.ts';

describe('a presented caller number', () => {
  it('in international format with spaces and dashes becomes the bare mobile number', () => {
    expect(normalizePhone('+86 138-1234-5678')).toBe('13812345678');
  });

  it('with 0086 or 86 in front becomes the bare mobile number', () => {
    expect(normalizePhone('008613812345678')).toBe('13812345678');
    expect(normalizePhone('8613812345678')).toBe('13812345678');
    expect(normalizePhone('+8613812345678')).toBe('13812345678');
  });

  it('that is already a bare mobile number is kept', () => {
    expect(normalizePhone('13812345678')).toBe('13812345678');
    expect(normalizePhone(' 13812345678 ')).toBe('13812345678');
  });

  it('of a landline is kept with its area code', () => {
    expect(normalizePhone('02161234567')).toBe('02161234567');
    expect(normalizePhone('(021) 6123-4567')).toBe('02161234567');
  });

  it('of a landline in international format gets its area code’s leading 0 back', () => {
    // +86 21 6123 4567 is dialled 021 6123 4567 inside China, the form the system stores
    expect(normalizePhone('+86 21 6123 4567')).toBe('02161234567');
  });

  it('that is withheld or empty is no number', () => {
    expect(normalizePhone('anonymous')).toBeNull();
    expect(normalizePhone('Anonymous')).toBeNull();
    expect(normalizePhone('unknown')).toBeNull();
    expect(normalizePhone('')).toBeNull();
    expect(normalizePhone('   ')).toBeNull();
    expect(normalizePhone(null)).toBeNull();
    expect(normalizePhone(undefined)).toBeNull();
  });

  it('with letters is no number', () => {
    expect(normalizePhone('abc')).toBeNull();
    expect(normalizePhone('138abc45678')).toBeNull();
    expect(normalizePhone('+')).toBeNull();
  });

  it('that is too short or too long is no number', () => {
    expect(normalizePhone('1234')).toBeNull();
    expect(normalizePhone('1234567890123456')).toBeNull();
    // the shortest and longest that pass
    expect(normalizePhone('95555')).toBe('95555');
    expect(normalizePhone('123456789012345')).toBe('123456789012345');
  });
});

describe('masking phone numbers', () => {
  it('keeps the first three and last four digits of a mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('keeps only the last two digits of a short number', () => {
    expect(maskPhone('95555')).toBe('***55');
  });

  it('leaves text without digits as it is', () => {
    expect(maskPhone('withheld')).toBe('withheld');
  });

  it('masks mobile numbers inside a message', () => {
    expect(maskPhones('call from 13812345678 to 13987654321 queued')).toBe(
      'call from 138****5678 to 139****4321 queued',
    );
    expect(maskPhones('caller +8613812345678 hung up')).toBe('caller 861****5678 hung up');
  });

  it('leaves digits that are part of a longer number in a message alone', () => {
    expect(maskPhones('ticket 2026103113812345678 created')).toBe('ticket 2026103113812345678 created');
    expect(maskPhones('amount 123450 fen')).toBe('amount 123450 fen');
  });

  it('masks any number in the fields that hold an owner’s phone, but not ticket numbers or endpoints', () => {
    expect(
      maskPhones({
        caller: '13812345678',
        phone: '02161234567',
        number: '10000123',
        endpoint: 'PJSIP/agent1',
      }),
    ).toEqual({
      caller: '138****5678',
      phone: '021****4567',
      number: '10000123',
      endpoint: 'PJSIP/agent1',
    });
  });

  it('masks the caller bound to a child logger (one logger per call)', () => {
    const lines: string[] = [];
    const log = createLogger('info', 'test', { write: (line: string) => void lines.push(line) });
    log.child({ caller: '13812345678' }).info('call from 13900139000 arrived');
    expect(lines.join('')).not.toContain('13812345678');
    expect(lines.join('')).not.toContain('13900139000');
    expect(lines.join('')).toContain('138****5678');
  });

  it('leaves other fields untouched', () => {
    const entry = { callId: 'c1', agentId: 42, queue: 'property', amountFen: 123450, vip: true, at: null };
    expect(maskPhones(entry)).toEqual({
      callId: 'c1',
      agentId: 42,
      queue: 'property',
      amountFen: 123450,
      vip: true,
      at: null,
    });
  });

  it('masks numbers in nested objects and lists', () => {
    const entry = {
      call: { caller: '13812345678', owner: { id: 1, phones: ['13900139000'] } },
      note: 'callback to 13700137000',
    };
    expect(maskPhones(entry)).toEqual({
      call: { caller: '138****5678', owner: { id: 1, phones: ['139****9000'] } },
      note: 'callback to 137****7000',
    });
  });

  it("cuts a recording link's ticket out of any URL logged", () => {
    const url = '/api/calls/0b9e/recording?ticket=eyJhbGciOi.eyJyZWMiOi.c2lnbmF0dXJl&download=1';
    expect(redactTicket(url)).toBe('/api/calls/0b9e/recording?ticket=[redacted]&download=1');
    const lines: string[] = [];
    const log = createLogger('info', 'test', { write: (line: string) => void lines.push(line) });
    log.warn({ url }, `Reply was already sent in the "${url}" route`);
    expect(lines.join('')).not.toContain('eyJhbGciOi');
    expect(lines.join('')).toContain('ticket=[redacted]&download=1');
  });

  it('does not change the object it was given', () => {
    const entry = { caller: '13812345678' };
    maskPhones(entry);
    expect(entry).toEqual({ caller: '13812345678' });
  });
});

describe('the logger', () => {
  it('is created at the requested level with the given name', () => {
    const log = createLogger('warn', 'hotline-unit');
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
  });
  // What it writes cannot be checked here: createLogger always writes to stdout and takes no destination.
});

describe('the configuration', () => {
  const COMPLETE = {
    HOTLINE_DATABASE_URL: 'postgres://hotline:pw@127.0.0.1:55432/hotline',
    HOTLINE_REDIS_URL: 'redis://127.0.0.1:56379',
    HOTLINE_ARI_URL: 'http://127.0.0.1:58088',
    HOTLINE_ARI_USER: 'hotline-ari',
    HOTLINE_ARI_PASSWORD: 'ari-password',
    HOTLINE_AMI_USER: 'hotline-ami',
    HOTLINE_AMI_SECRET: 'ami-secret',
    HOTLINE_JWT_SECRET: '0123456789abcdef0123456789abcdef',
    HOTLINE_STACK_DIR: '/srv/hotline/stack',
  };

  /** The ConfigError loadConfig throws for this environment. */
  function errorFor(env: Record<string, string | undefined>): ConfigError {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('loadConfig accepted the environment');
  }

  it('with every required variable set gives those values and the defaults for the rest', () => {
    expect(loadConfig(COMPLETE)).toEqual({
      databaseUrl: 'postgres://hotline:pw@127.0.0.1:55432/hotline',
      redisUrl: 'redis://127.0.0.1:56379',
      ari: { url: 'http://127.0.0.1:58088', user: 'hotline-ari', password: 'ari-password', app: 'hotline' },
      ami: { host: '127.0.0.1', port: 5039, user: 'hotline-ami', secret: 'ami-secret' },
      http: { host: '127.0.0.1', port: 8480, jwtSecret: '0123456789abcdef0123456789abcdef' },
      acd: {
        ringTimeoutS: 15,
        holdAnnounceS: 20,
        wrapUpS: 10,
        popSeenTimeoutMs: 500,
        outsideDial: null,
        outsideRingTimeoutS: 30,
        callbackRetries: 2,
        callbackRetryS: 300,
      },
      ivr: {
        digitTimeoutMs: 6000,
        menuRetries: 3,
        promptDir: '/srv/hotline/stack/sounds',
        studioPromptDir: '',
        flowDir: fileURLToPath(new URL('../../ivr/flows', import.meta.url)),
      },
      recordingDir: '/srv/hotline/stack/asterisk/var/spool/recording',
      recordingRetentionDays: 180,
      outbound: { trunkMaxChannels: 30, trunkCps: 10, callerId: '4008200000', revisitTrunk: 'main' },
      attachments: { dir: '/srv/hotline/stack/attachments', maxMb: 10 },
      metrics: { token: null, host: '127.0.0.1', port: null },
      logLevel: 'info',
      stackDir: '/srv/hotline/stack',
    });
  });

  it('takes a metrics token of 32 characters or more, and a metrics port only with a token', () => {
    const token = 'm'.repeat(32);
    expect(
      loadConfig({ ...COMPLETE, HOTLINE_METRICS_TOKEN: token, HOTLINE_METRICS_PORT: '9464' }).metrics,
    ).toEqual({ token, host: '127.0.0.1', port: 9464 });
    expect(errorFor({ ...COMPLETE, HOTLINE_METRICS_TOKEN: 'short' }).message).toContain(
      'HOTLINE_METRICS_TOKEN must be at least 32 characters',
    );
    expect(errorFor({ ...COMPLETE, HOTLINE_METRICS_PORT: '9464' }).message).toContain(
      'HOTLINE_METRICS_PORT needs HOTLINE_METRICS_TOKEN',
    );
  });

  it('takes the optional settings from the environment when they are set', () => {
    const config = loadConfig({
      ...COMPLETE,
      HOTLINE_ARI_APP: 'estate',
      HOTLINE_AMI_HOST: '10.0.0.5',
      HOTLINE_AMI_PORT: '5038',
      HOTLINE_HTTP_HOST: '0.0.0.0',
      HOTLINE_HTTP_PORT: '9000',
      HOTLINE_RING_TIMEOUT_S: '25',
      HOTLINE_HOLD_ANNOUNCE_S: '45',
      HOTLINE_WRAP_UP_S: '0',
      HOTLINE_POP_SEEN_TIMEOUT_MS: '1500',
      HOTLINE_OUTSIDE_DIAL: 'PJSIP/trunk/sip:{number}@sbc.example.com',
      HOTLINE_OUTSIDE_RING_TIMEOUT_S: '40',
      HOTLINE_DIGIT_TIMEOUT_MS: '8000',
      HOTLINE_MENU_RETRIES: '2',
      HOTLINE_PROMPT_DIR: '/var/lib/hotline/sounds',
      HOTLINE_STUDIO_PROMPT_DIR: '/srv/estate/recordings',
      HOTLINE_FLOW_DIR: '/etc/hotline/flows',
      HOTLINE_ATTACHMENT_DIR: '/var/lib/hotline/attachments',
      HOTLINE_ATTACHMENT_MAX_MB: '25',
      HOTLINE_LOG_LEVEL: 'debug',
    });
    expect(config.ari.app).toBe('estate');
    expect(config.ami).toEqual({ host: '10.0.0.5', port: 5038, user: 'hotline-ami', secret: 'ami-secret' });
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.http.port).toBe(9000);
    expect(config.acd).toEqual({
      ringTimeoutS: 25,
      holdAnnounceS: 45,
      wrapUpS: 0,
      popSeenTimeoutMs: 1500,
      outsideDial: 'PJSIP/trunk/sip:{number}@sbc.example.com',
      outsideRingTimeoutS: 40,
      callbackRetries: 2,
      callbackRetryS: 300,
    });
    expect(config.ivr).toEqual({
      digitTimeoutMs: 8000,
      menuRetries: 2,
      promptDir: '/var/lib/hotline/sounds',
      studioPromptDir: '/srv/estate/recordings',
      flowDir: '/etc/hotline/flows',
    });
    expect(config.attachments).toEqual({ dir: '/var/lib/hotline/attachments', maxMb: 25 });
    expect(config.logLevel).toBe('debug');
  });

  it('with nothing set names every missing variable in one error', () => {
    const error = errorFor({});
    for (const name of [
      'HOTLINE_DATABASE_URL',
      'HOTLINE_REDIS_URL',
      'HOTLINE_ARI_URL',
      'HOTLINE_ARI_USER',
      'HOTLINE_ARI_PASSWORD',
      'HOTLINE_AMI_USER',
      'HOTLINE_AMI_SECRET',
      'HOTLINE_JWT_SECRET',
    ]) {
      expect(error.message).toContain(`${name} is not set`);
    }
    // variables with a default are not reported
    expect(error.message).not.toContain('HOTLINE_ARI_APP');
    expect(error.message).not.toContain('HOTLINE_HTTP_PORT');
  });

  it('with one variable missing names just that one', () => {
    const error = errorFor({ ...COMPLETE, HOTLINE_REDIS_URL: undefined });
    expect(error.message).toContain('HOTLINE_REDIS_URL is not set');
    expect(error.message).not.toContain('HOTLINE_DATABASE_URL');
  });

  it('treats an empty variable as missing', () => {
    expect(errorFor({ ...COMPLETE, HOTLINE_AMI_SECRET: '' }).message).toContain(
      'HOTLINE_AMI_SECRET is not set',
    );
  });

  it('names a setting that is not a whole number', () => {
    const error = errorFor({ ...COMPLETE, HOTLINE_RING_TIMEOUT_S: 'abc' });
    expect(error.message).toContain('HOTLINE_RING_TIMEOUT_S must be a whole number from 3 to 120, got "abc"');
  });

  it('names a setting that is out of range', () => {
    expect(errorFor({ ...COMPLETE, HOTLINE_RING_TIMEOUT_S: '1' }).message).toContain(
      'HOTLINE_RING_TIMEOUT_S must be a whole number from 3 to 120, got "1"',
    );
    expect(errorFor({ ...COMPLETE, HOTLINE_AMI_PORT: '70000' }).message).toContain('HOTLINE_AMI_PORT');
    expect(errorFor({ ...COMPLETE, HOTLINE_MENU_RETRIES: '0' }).message).toContain('HOTLINE_MENU_RETRIES');
  });

  it('names a setting with a fraction', () => {
    expect(errorFor({ ...COMPLETE, HOTLINE_DIGIT_TIMEOUT_MS: '2500.5' }).message).toContain(
      'HOTLINE_DIGIT_TIMEOUT_MS',
    );
  });

  it('reports missing variables and bad numbers together', () => {
    const error = errorFor({ ...COMPLETE, HOTLINE_ARI_URL: undefined, HOTLINE_WRAP_UP_S: '-5' });
    expect(error.message).toContain('HOTLINE_ARI_URL is not set');
    expect(error.message).toContain('HOTLINE_WRAP_UP_S must be a whole number from 0 to 600, got "-5"');
  });

  it('refuses a JWT secret shorter than 32 characters', () => {
    const error = errorFor({ ...COMPLETE, HOTLINE_JWT_SECRET: '0123456789abcdef0123456789abcde' }); // 31
    expect(error.message).toContain('HOTLINE_JWT_SECRET must be at least 32 characters');
  });

  it("takes the revisits' trunk by its code, and says what a code is", () => {
    expect(loadConfig({ ...COMPLETE, HOTLINE_REVISIT_TRUNK: 'revisits-1' }).outbound.revisitTrunk).toBe(
      'revisits-1',
    );
    expect(errorFor({ ...COMPLETE, HOTLINE_REVISIT_TRUNK: 'Main Trunk' }).message).toContain(
      'HOTLINE_REVISIT_TRUNK must be a trunk code (lower-case letters, digits and -), got "Main Trunk"',
    );
  });

  it('accepts a JWT secret of exactly 32 characters', () => {
    expect(
      loadConfig({ ...COMPLETE, HOTLINE_JWT_SECRET: 'abcdefghijklmnopqrstuvwxyz012345' }).http.jwtSecret,
    ).toBe('abcdefghijklmnopqrstuvwxyz012345');
  });
});

describe('passwords', () => {
  it('a hashed password verifies', async () => {
    const stored = await hashPassword('agent-1001-pw');
    expect(stored.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(stored).not.toContain('agent-1001-pw');
    expect(await verifyPassword('agent-1001-pw', stored)).toBe(true);
  });

  it('a wrong password does not verify', async () => {
    const stored = await hashPassword('agent-1001-pw');
    expect(await verifyPassword('agent-1002-pw', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('two hashes of the same password differ', async () => {
    const first = await hashPassword('same password');
    const second = await hashPassword('same password');
    expect(first).not.toBe(second);
  });

  it('a stored hash that is not in the scrypt format does not verify', async () => {
    expect(await verifyPassword('secret', '')).toBe(false);
    expect(await verifyPassword('secret', 'secret')).toBe(false);
    expect(await verifyPassword('secret', '$2b$10$abcdefghijklmnopqrstuv')).toBe(false);
    expect(await verifyPassword('secret', 'scrypt$16384$8$1$c2FsdA==')).toBe(false);
  });

  it('a stored hash whose hash part was cut short does not verify', async () => {
    const stored = await hashPassword('agent-1001-pw');
    expect(await verifyPassword('agent-1001-pw', stored.slice(0, -8))).toBe(false);
  });

  it('a stored hash with unusable scrypt parameters does not verify (and does not throw)', async () => {
    await expect(verifyPassword('secret', 'scrypt$abc$8$1$c2FsdA==$aGFzaA==')).resolves.toBe(false);
    await expect(verifyPassword('secret', 'scrypt$3$8$1$c2FsdA==$aGFzaA==')).resolves.toBe(false);
  });
});
