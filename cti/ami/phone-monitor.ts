// Watches the agents' desk phones through AMI (the only module that imports asterisk-manager): Asterisk
// qualifies each phone with OPTIONS and reports ContactStatus; a phone that becomes unreachable is reported so
// its agent stops being offered calls before a caller is sent to a dead phone.
//
// asterisk-manager 0.2.0: keepConnected() works only if called before the socket opens; it reconnects after 10 s,
// then 20 s, ... up to 60 s, and logs with console.log. Keys of events are lower-cased.
import Manager, { type AmiManager, type AmiMessage } from 'asterisk-manager';
import type { Logger } from '../../core/index.ts';

export interface AmiSettings {
  host: string;
  port: number;
  user: string;
  secret: string;
}

export interface PhoneStatus {
  /** The dialable endpoint, e.g. "PJSIP/agent1". */
  endpoint: string;
  reachable: boolean;
  at: Date;
}

export class PhoneMonitor {
  readonly #ami: AmiManager;
  readonly #log: Logger;

  constructor(settings: AmiSettings, log: Logger, onStatus: (status: PhoneStatus) => void) {
    this.#log = log.child({ component: 'ami' });
    this.#ami = Manager(settings.port, settings.host, settings.user, settings.secret, true);
    this.#ami.keepConnected();
    this.#ami.on('error', (err: Error) => this.#log.warn({ err: err.message }, 'AMI connection problem'));
    this.#ami.on('close', () => this.#log.warn('AMI connection closed; it reconnects by itself'));
    this.#ami.on('contactstatus', (event: AmiMessage) => {
      const status = phoneStatusOf(event);
      if (status) onStatus(status);
    });
  }

  get connected(): boolean {
    return this.#ami.isConnected();
  }

  close(): void {
    this.#ami.removeAllListeners('close');
    this.#ami.disconnect();
  }
}

/** Reachable / Unreachable of a PJSIP contact; other changes (Created, Updated, Removed) are not about reachability. */
export function phoneStatusOf(event: AmiMessage): PhoneStatus | null {
  const endpoint = event.endpointname ?? event.aor;
  const status = event.contactstatus;
  if (!endpoint || (status !== 'Reachable' && status !== 'Unreachable')) return null;
  return { endpoint: `PJSIP/${endpoint}`, reachable: status === 'Reachable', at: new Date() };
}
