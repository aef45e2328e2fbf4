// Watches Asterisk's manager interface (AMI) from the outside, for what ARI does not report: music on hold
// starting and stopping on a channel (MusicOnHoldStart / MusicOnHoldStop, by the channel's unique id, which is
// its ARI channel id). AMI is a text protocol of "Key: value" blocks; the test reads it over a plain socket
// (asterisk-manager is the platform's, in cti/ami/ only).
import { connect, type Socket } from 'node:net';
import { env, eventually } from './env.ts';

export type AmiEvent = Record<string, string>;

export class AmiObserver {
  readonly events: AmiEvent[] = [];
  readonly #socket: Socket;
  #loggedIn = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const message: AmiEvent = {};
        for (const line of block.split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) message[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        if (message.response === 'Success' && message.message === 'Authentication accepted')
          this.#loggedIn = true;
        if (message.event) this.events.push(message);
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(): Promise<AmiObserver> {
    const socket = connect(Number(env.HOTLINE_AMI_PORT ?? 5039), env.HOTLINE_AMI_HOST ?? '127.0.0.1');
    const observer = new AmiObserver(socket);
    socket.write(
      `Action: Login\r\nUsername: ${env.HOTLINE_AMI_USER}\r\nSecret: ${env.HOTLINE_AMI_SECRET}\r\nEvents: on\r\n\r\n`,
    );
    await eventually(() => observer.#loggedIn, 'the AMI login', 10_000, 20);
    return observer;
  }

  mark(): number {
    return this.events.length;
  }

  /** Resolves once the channel's music on hold started (`on`) or stopped, after `mark`. */
  async musicOnHold(channelId: string, on: boolean, mark = 0, timeoutMs = 10_000): Promise<void> {
    const name = on ? 'MusicOnHoldStart' : 'MusicOnHoldStop';
    await eventually(
      () => this.events.slice(mark).some((e) => e.event === name && e.uniqueid === channelId),
      `music on hold to ${on ? 'start' : 'stop'} on the owner's channel`,
      timeoutMs,
      50,
    );
  }

  close(): void {
    this.#socket.end('Action: Logoff\r\n\r\n');
  }
}
