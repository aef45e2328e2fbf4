// asterisk-manager 0.2.0 has no published types; this covers what cti/ami/ uses.
declare module 'asterisk-manager' {
  /** AMI events and responses, with lower-cased keys ("event", "contactstatus", "endpointname"). */
  export type AmiMessage = Record<string, string | undefined>;

  export interface AmiManager {
    /** Reconnect after the socket closes (only effective when called before the socket is open). */
    keepConnected(): void;
    action(
      action: Record<string, string>,
      callback?: (err: AmiMessage | null, res?: AmiMessage) => void,
    ): string;
    disconnect(): void;
    isConnected(): boolean;
    /** 'managerevent', 'response', or an event name in lower case ('contactstatus') */
    on(event: string, listener: (message: AmiMessage) => void): void;
    on(event: 'error', listener: (err: Error) => void): void;
    on(event: 'connect' | 'close' | 'end', listener: () => void): void;
    removeAllListeners(event?: string): void;
  }

  /** Creates the manager and, when a port is given, connects and logs in at once. */
  function Manager(
    port?: number,
    host?: string,
    username?: string,
    password?: string,
    events?: boolean,
  ): AmiManager;
  export default Manager;
}
