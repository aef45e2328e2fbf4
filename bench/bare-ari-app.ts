// The bare ARI app bench/ivr-capacity.ts compares the IVR controller with: it answers each call, plays one list
// of prompts (what the default flow plays to an owner who presses 1) and hangs up when the list has been
// played. No database, no state machine, no logging per call: the floor for the controller's CPU per call.
//
// Outside the product: in product code only ivr/ari/adapter.ts may import ari-client; this bench app uses it
// directly on purpose, so nothing of ours sits between Asterisk and the measurement.
//
//   node bench/bare-ari-app.ts
//     BARE_APP    its Stasis app name (default hotline-bare); the dialplan sends calls to Stasis(<app>)
//     BARE_MEDIA  a JSON array of media URIs to play, e.g. ["sound:/path/zh/welcome", ...]
//   ARI settings come from the private stack's env file (.stack/stack.env) or HOTLINE_ARI_*.
// Prints "ready" once the app is registered; stops on SIGTERM or SIGINT.
// eslint-disable-next-line no-restricted-imports -- a bench app outside the product (see above)
import ari from 'ari-client';
import { readEnv } from '../core/index.ts';

const env = readEnv();
const app = env.BARE_APP ?? 'hotline-bare';
const media = JSON.parse(env.BARE_MEDIA ?? '[]') as string[];
if (!Array.isArray(media) || media.length === 0) {
  console.error('BARE_MEDIA must be a JSON array of media URIs');
  process.exit(2);
}

interface Channel {
  id: string;
}
interface Playback {
  id: string;
  target_uri: string;
}

const client = await ari.connect(env.HOTLINE_ARI_URL!, env.HOTLINE_ARI_USER!, env.HOTLINE_ARI_PASSWORD!);
const raw = client as unknown as {
  on(event: string, handler: (e: Record<string, unknown>) => void): void;
};
let failures = 0;
const fail = (what: string) => (err: unknown) => {
  // a channel that hung up while we were talking to it is not a failure of this app
  if (/not found|not in stasis/i.test(err instanceof Error ? err.message : String(err))) return;
  failures++;
  if (failures <= 10) console.error(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
};

raw.on('StasisStart', (e) => {
  const channelId = (e.channel as Channel).id;
  client.channels
    .answer({ channelId })
    .then(() =>
      client.channels.play({ channelId, media } as unknown as Parameters<typeof client.channels.play>[0]),
    )
    .catch(fail('answer and play'));
});
raw.on('PlaybackFinished', (e) => {
  const channelId = (e.playback as Playback).target_uri.replace(/^channel:/, '');
  client.channels.hangup({ channelId }).catch(fail('hangup'));
});

await client.start(app);
console.log('ready');

const stop = () => {
  try {
    client.stop();
  } finally {
    if (failures > 0) console.error(`${failures} ARI requests failed`);
    process.exit(0);
  }
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
