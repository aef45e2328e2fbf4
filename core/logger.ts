// One pino logger; child loggers per call bind call id, channel, caller, agent.
// Phone numbers are masked wherever they appear in a logged object or message, and a recording link's ticket
// (`?ticket=`, a bearer credential for ten minutes) is cut out of any URL logged.
import { pino, type Logger } from 'pino';

export type { Logger };

/** 13812345678 -> 138****5678; short numbers keep only their last two digits. */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  if (digits.length >= 7) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  if (digits.length === 0) return number;
  return `${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
}

const PHONE_IN_TEXT = /(?<!\d)(\+?86)?(1[3-9]\d{9})(?!\d)/g;
/** Fields that hold an owner's phone number wherever they appear (log calls and child-logger bindings). */
const PHONE_KEYS = ['caller', 'callerNumber', 'callerName', 'phone', 'ownerPhone'] as const;
const PHONE_KEY_SET = new Set<string>(PHONE_KEYS);

const TICKET_IN_URL = /([?&]ticket=)[^&\s"'#]+/g;

/** A URL with its `ticket` query parameter's value replaced by "[redacted]". */
export function redactTicket(text: string): string {
  return text.replace(TICKET_IN_URL, '$1[redacted]');
}

/** Masks mainland mobile numbers in free text and in known phone fields of an object (and redacts tickets). */
export function maskPhones<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactTicket(value).replace(PHONE_IN_TEXT, (m) => maskPhone(m)) as T;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => maskPhones(v, depth + 1)) as T;
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PHONE_KEY_SET.has(k) && typeof v === 'string' ? maskPhone(v) : maskPhones(v, depth + 1);
  }
  return out as T;
}

const maskField = (v: unknown) => (typeof v === 'string' ? maskPhone(v) : v);

export function createLogger(
  level = process.env.HOTLINE_LOG_LEVEL ?? 'info',
  name = 'hotline',
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name,
      level,
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => maskPhones(a)) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
      // serializers also apply to the bindings of child loggers, which the hook above never sees
      serializers: {
        err: pino.stdSerializers.err,
        ...Object.fromEntries(PHONE_KEYS.map((k) => [k, maskField])),
      },
    },
    destination,
  );
}
