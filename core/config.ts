// Configuration: read once at start from the environment (and, for a local checkout, from the
// env file that ops/stack.sh writes with the private stack's ports and generated secrets).
// Every variable is listed in README.md and .env.example.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRUNK } from './campaigns/types.ts';
import { ConfigError } from './errors.ts';

export interface Config {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly ari: {
    readonly url: string;
    readonly user: string;
    readonly password: string;
    readonly app: string;
  };
  readonly ami: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly secret: string;
  };
  readonly http: { readonly host: string; readonly port: number; readonly jwtSecret: string };
  /** Where Asterisk writes call recordings (its spool's recording folder), read by the API to play them. */
  readonly recordingDir: string;
  /** Days a call recording is kept before the retention job removes it. */
  readonly recordingRetentionDays: number;
  /** Files attached to tickets (photos, signed forms): the folder they are kept in, and the largest one taken. */
  readonly attachments: { readonly dir: string; readonly maxMb: number };
  readonly acd: {
    /** Seconds an agent's phone rings before the call moves on and the agent becomes not-ready. */
    readonly ringTimeoutS: number;
    /** Seconds between "please hold" announcements while a caller waits. */
    readonly holdAnnounceS: number;
    /** Seconds of wrap-up after a call before the agent is offered the next one (0 = none). */
    readonly wrapUpS: number;
    /** Milliseconds to wait for the agent's page to show the pop before the phone rings anyway. */
    readonly popSeenTimeoutMs: number;
    /**
     * How an outside number is dialled for a transfer, `{number}` standing for it (e.g.
     * "PJSIP/trunk/sip:{number}@sbc.example.com"); null: agents cannot transfer to outside numbers.
     */
    readonly outsideDial: string | null;
    /** Seconds an outside number rings before the owner goes back to the queue. */
    readonly outsideRingTimeoutS: number;
    /** Callback instead of waiting: tries after the first one the owner did not answer, and seconds between. */
    readonly callbackRetries: number;
    readonly callbackRetryS: number;
  };
  readonly ivr: {
    readonly digitTimeoutMs: number;
    readonly menuRetries: number;
    /** Folder with the generated prompts, <dir>/<lang>/<id>.wav, readable by Asterisk. */
    readonly promptDir: string;
    /** A company's studio recordings, same layout; a file there wins over the generated prompt. '' = none. */
    readonly studioPromptDir: string;
    /** Folder of the IVR flow files (*.yaml); edits go live for the next call. */
    readonly flowDir: string;
  };
  /** Outbound campaigns: the default trunk 'main' (dialled through HOTLINE_OUTSIDE_DIAL) and its pacing. */
  readonly outbound: {
    /** Calls up at once on the default trunk, at most. */
    readonly trunkMaxChannels: number;
    /** New calls per second on the default trunk, at most. */
    readonly trunkCps: number;
    /** The number the owner's phone shows (the estate hotline). */
    readonly callerId: string;
    /** The trunk whose standing revisit campaign calls the owners of resolved tickets. */
    readonly revisitTrunk: string;
  };
  /**
   * Prometheus metrics: the bearer token a scrape must send (null: metrics are off), and a listener of the
   * process's own on host:port (port null: none; the cti role serves /metrics on its HTTP port anyway).
   */
  readonly metrics: { readonly token: string | null; readonly host: string; readonly port: number | null };
  readonly logLevel: string;
  readonly stackDir: string;
}

type Env = Record<string, string | undefined>;

/** The env file written by `ops/stack.sh start`, unless HOTLINE_ENV_FILE names another one. */
export function stackEnvFile(env: Env = process.env): string {
  return resolve(env.HOTLINE_ENV_FILE ?? resolve(env.HOTLINE_STACK_DIR ?? '.stack', 'stack.env'));
}

/** Process variables win over the env file; the file only fills the gaps. */
export function readEnv(env: Env = process.env): Env {
  const file = stackEnvFile(env);
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(env: Env = readEnv()): Config {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string => {
    const v = env[name] ?? fallback;
    if (v === undefined || v === '') {
      problems.push(`${name} is not set`);
      return '';
    }
    return v;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  if (env.HOTLINE_OUTSIDE_DIAL && !env.HOTLINE_OUTSIDE_DIAL.includes('{number}')) {
    problems.push(`HOTLINE_OUTSIDE_DIAL must contain {number}, got "${env.HOTLINE_OUTSIDE_DIAL}"`);
  }
  const config: Config = {
    databaseUrl: str('HOTLINE_DATABASE_URL'),
    redisUrl: str('HOTLINE_REDIS_URL'),
    ari: {
      url: str('HOTLINE_ARI_URL'),
      user: str('HOTLINE_ARI_USER'),
      password: str('HOTLINE_ARI_PASSWORD'),
      app: str('HOTLINE_ARI_APP', 'hotline'),
    },
    ami: {
      host: str('HOTLINE_AMI_HOST', '127.0.0.1'),
      port: int('HOTLINE_AMI_PORT', 5039, 1, 65535),
      user: str('HOTLINE_AMI_USER'),
      secret: str('HOTLINE_AMI_SECRET'),
    },
    http: {
      host: str('HOTLINE_HTTP_HOST', '127.0.0.1'),
      port: int('HOTLINE_HTTP_PORT', 8480, 0, 65535),
      jwtSecret: str('HOTLINE_JWT_SECRET'),
    },
    acd: {
      ringTimeoutS: int('HOTLINE_RING_TIMEOUT_S', 15, 3, 120),
      holdAnnounceS: int('HOTLINE_HOLD_ANNOUNCE_S', 20, 5, 600),
      wrapUpS: int('HOTLINE_WRAP_UP_S', 10, 0, 600),
      popSeenTimeoutMs: int('HOTLINE_POP_SEEN_TIMEOUT_MS', 500, 0, 5000),
      outsideDial: env.HOTLINE_OUTSIDE_DIAL || null,
      outsideRingTimeoutS: int('HOTLINE_OUTSIDE_RING_TIMEOUT_S', 30, 5, 120),
      callbackRetries: int('HOTLINE_CALLBACK_RETRIES', 2, 0, 5),
      callbackRetryS: int('HOTLINE_CALLBACK_RETRY_S', 300, 5, 86_400),
    },
    ivr: {
      digitTimeoutMs: int('HOTLINE_DIGIT_TIMEOUT_MS', 6000, 1000, 60000),
      menuRetries: int('HOTLINE_MENU_RETRIES', 3, 1, 10),
      promptDir: resolve(str('HOTLINE_PROMPT_DIR', resolve(env.HOTLINE_STACK_DIR ?? '.stack', 'sounds'))),
      studioPromptDir: env.HOTLINE_STUDIO_PROMPT_DIR ? resolve(env.HOTLINE_STUDIO_PROMPT_DIR) : '',
      flowDir: resolve(str('HOTLINE_FLOW_DIR', fileURLToPath(new URL('../ivr/flows', import.meta.url)))),
    },
    recordingDir: resolve(
      str(
        'HOTLINE_RECORDING_DIR',
        resolve(env.HOTLINE_STACK_DIR ?? '.stack', 'asterisk/var/spool/recording'),
      ),
    ),
    recordingRetentionDays: int('HOTLINE_RECORDING_RETENTION_DAYS', 180, 1, 3650),
    attachments: {
      dir: resolve(str('HOTLINE_ATTACHMENT_DIR', resolve(env.HOTLINE_STACK_DIR ?? '.stack', 'attachments'))),
      maxMb: int('HOTLINE_ATTACHMENT_MAX_MB', 10, 1, 100),
    },
    outbound: {
      trunkMaxChannels: int('HOTLINE_TRUNK_MAX_CHANNELS', 30, 1, 2000),
      trunkCps: int('HOTLINE_TRUNK_CPS', 10, 1, 500),
      callerId: str('HOTLINE_OUTBOUND_CALLER_ID', '4008200000'),
      revisitTrunk: str('HOTLINE_REVISIT_TRUNK', DEFAULT_TRUNK),
    },
    metrics: {
      token: env.HOTLINE_METRICS_TOKEN || null,
      host: str('HOTLINE_METRICS_HOST', '127.0.0.1'),
      port: env.HOTLINE_METRICS_PORT ? int('HOTLINE_METRICS_PORT', 0, 0, 65535) : null,
    },
    logLevel: str('HOTLINE_LOG_LEVEL', 'info'),
    stackDir: resolve(str('HOTLINE_STACK_DIR', '.stack')),
  };
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(config.outbound.revisitTrunk)) {
    problems.push(
      `HOTLINE_REVISIT_TRUNK must be a trunk code (lower-case letters, digits and -), got "${config.outbound.revisitTrunk}"`,
    );
  }
  if (!/^[0-9]{3,20}$/.test(config.outbound.callerId)) {
    problems.push(`HOTLINE_OUTBOUND_CALLER_ID must be 3 to 20 digits, got "${config.outbound.callerId}"`);
  }
  if (config.http.jwtSecret && config.http.jwtSecret.length < 32) {
    problems.push('HOTLINE_JWT_SECRET must be at least 32 characters (ops/stack.sh generates one)');
  }
  if (config.metrics.token !== null && config.metrics.token.length < 32) {
    problems.push('HOTLINE_METRICS_TOKEN must be at least 32 characters (ops/stack.sh generates one)');
  }
  if (config.metrics.port !== null && config.metrics.token === null) {
    problems.push('HOTLINE_METRICS_PORT needs HOTLINE_METRICS_TOKEN (scrapes send it as a bearer token)');
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `The configuration is incomplete: ${problems.join('; ')}. ` +
        `Run "npm run stack start" to create a local stack, or set the variables (see .env.example).`,
    );
  }
  return config;
}
