// Recorded notices (issue 6) on the real stack: a team leader uploads a WAV file (a 1 kHz tone pattern made by the
// test), a notice campaign created through the API with it calls a sipp owner phone through the test's own trunk,
// and the owner HEARS the recording: the tone pattern is found in the RTP audio the phone received (tcpdump), and
// the ARI playbacks name the recording's prompt on this node. Bad uploads and bad campaigns are refused in words.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser } from '../support/browser.ts';
import { AriObserver } from '../support/ari-observer.ts';
import { createAttempt, createCampaign, dropCampaign } from '../support/campaign-fixtures.ts';
import { eventually, stackConfig, withCleanUp } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  db,
  ZHANG_WEI_B3_1502,
  type TestAgent,
} from '../support/fixtures.ts';
import { startOwnerPhone } from '../support/owner-phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { RtpCapture, toneFrames, toneRuns } from '../support/rtp-audio.ts';
import { toneBursts, wavFile } from '../support/wav.ts';

let platform: TestPlatform;
let observer: AriObserver;
let leader: AgentClient;
let agent: AgentClient;
let leaderAgent: TestAgent;
const tag = randomBytes(3).toString('hex');
const trunk = `t-${tag}`;
const campaignIds: number[] = [];
const recordingIds: number[] = [];

const message = (res: { body: unknown }): string => (res.body as { message: string }).message;

interface Recording {
  id: number;
  name: string;
  durationMs: number;
  sha256: string;
  uploadedBy: { name: string };
}

/** Uploads `bytes` as the file `fileName` (the body is the file, as the campaign page sends it). */
async function upload(
  bytes: Buffer,
  fileName: string,
  who = leader,
  name?: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(
    `${platform.url}/api/notice-recordings${name ? `?name=${encodeURIComponent(name)}` : ''}`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${who.token}`,
        'x-file-name': encodeURIComponent(fileName),
        'content-type': 'audio/wav',
      },
      body: new Uint8Array(bytes),
    },
  );
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 201) recordingIds.push((body as Recording).id);
  return { status: res.status, body };
}

/** Five bursts of a 1 kHz tone, 400 ms on and 400 ms off (4 s), 16-bit mono at 16 kHz (sox makes it 8 kHz). */
const tonePattern = () =>
  wavFile({
    sampleRate: 16000,
    data: toneBursts({ hz: 1000, onMs: 400, offMs: 400, bursts: 5, sampleRate: 16000 }),
  });

beforeAll(async () => {
  platform = await startTestPlatform();
  observer = await AriObserver.connect();
  leaderAgent = await createAgent({
    seat: null,
    role: 'supervisor',
    name: `李班长${tag.slice(0, 2)}`,
    skills: {},
  });
  leader = await AgentClient.signIn(platform.url, leaderAgent);
  agent = await AgentClient.signIn(platform.url, await createAgent({ seat: null, role: 'agent' }));
}, 60_000);

afterAll(async () => {
  if (campaignIds.length) {
    await db().query(`DELETE FROM campaigns WHERE id = ANY($1)`, [campaignIds]);
  }
  await db().query('DELETE FROM trunks WHERE code = ANY($1)', [[trunk, `${trunk}-p`]]);
  if (recordingIds.length)
    await db().query(`DELETE FROM notice_recordings WHERE id = ANY($1)`, [recordingIds]);
  await observer?.close();
  await platform?.close();
  await closeDb();
});

describe('a recorded notice', () => {
  it('a team leader uploads a WAV; the owner called by the notice campaign hears the recording', async () => {
    const wav = tonePattern();
    const up = await upload(wav, '停水通知.wav', leader, `停水录音 ${tag}`);
    expect(up.status).toBe(201);
    const rec = up.body as Recording;
    expect(rec).toMatchObject({ name: `停水录音 ${tag}`, durationMs: 4000 });
    expect(rec.sha256).toBe(createHash('sha256').update(wav).digest('hex'));

    // the list names it with its length; the page's preview gets the same bytes
    const list = await leader.request('GET', '/api/notice-recordings');
    expect((list.body as { recordings: Recording[] }).recordings).toContainEqual(
      expect.objectContaining({ id: rec.id, name: `停水录音 ${tag}`, durationMs: 4000 }),
    );
    const audio = await fetch(`${platform.url}/api/notice-recordings/${rec.id}/audio`, {
      headers: { authorization: `Bearer ${leader.token}` },
    });
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await audio.arrayBuffer()).equals(wav)).toBe(true);

    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const phone = await startOwnerPhone('silent', { timeoutS: 90 });
    await db().query(
      `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second, active)
       VALUES ($1, $2, $3, '4008200000', 2, 2, true)`,
      [trunk, `测试线路 ${tag}`, phone.dial],
    );
    const capture = await RtpCapture.start(phone.mediaPort);
    await withCleanUp(
      async () => {
        const created = await leader.request('POST', '/api/campaigns', {
          kind: 'notice',
          name: `录音通知 ${tag}`,
          trunk,
          ownerIds: [owner.ownerId],
          notice: { kind: 'water-cut', text: '3号楼明天停水检修', recording: rec.id },
          window: { start: '00:00', end: '23:59' },
          maxAttempts: 1,
          ringTimeoutS: 20,
          start: 'now',
        });
        expect(created.status).toBe(201);
        const campaign = created.body as { id: number; notice: Record<string, unknown> };
        campaignIds.push(campaign.id);
        expect(campaign.notice).toMatchObject({ recording: rec.id, recordingName: `停水录音 ${tag}` });

        // a recording a campaign still needs is not deleted
        const refused = await leader.request('DELETE', `/api/notice-recordings/${rec.id}`);
        expect(refused.status).toBe(409);
        expect(message(refused)).toContain(`录音通知 ${tag}`);

        const sipp = await phone.done;
        expect(sipp.code).toBe(0);
        const attempt = await eventually(
          async () => {
            const { rows } = await db().query<{ outcome: string; channelId: string }>(
              `SELECT a.outcome, c.channel_id AS "channelId" FROM call_attempts a JOIN calls c ON c.id = a.call_id
                WHERE a.campaign_id = $1 AND a.status = 'ended'`,
              [campaign.id],
            );
            return rows[0];
          },
          'the attempt ended',
          20_000,
          100,
        );
        expect(attempt.outcome).toBe('heard');
        // the node played the recording's prompt, made from the database's bytes; not the text spoken
        const heard = observer.heardPrompts(attempt.channelId);
        const prompt = `notices/rec-${rec.sha256}`;
        // (the observer names a notice's prompt by its file: sound:<prompt folder>/notices/...)
        expect(heard.slice(0, 2)).toEqual(['notice-intro', 'notice-water-cut']);
        expect(heard[2]).toMatch(new RegExp(`/${prompt}$`));
        expect(heard.some((p) => /notices\/[0-9a-f]{40}$/.test(p))).toBe(false);
        expect(existsSync(join(stackConfig().ivr.promptDir, 'notices', `rec-${rec.sha256}.alaw`))).toBe(true);

        // what the owner's phone received: the five 400 ms bursts of 1 kHz, 400 ms apart
        const samples = await capture.stop();
        const runs = toneRuns(toneFrames(samples, 1000)).filter((r) => r.frames >= 5);
        expect(runs).toHaveLength(5);
        for (const run of runs) expect(Math.abs(run.frames - 20)).toBeLessThanOrEqual(2);
        const gaps = runs.slice(1).map((r, i) => r.at - runs[i]!.at);
        for (const gap of gaps) expect(Math.abs(gap - 40)).toBeLessThanOrEqual(2);
      },
      async () => {
        await capture.stop().catch(() => undefined);
        await phone.stop();
      },
    );

    // once the campaign is over, the recording may go
    await db().query(`UPDATE campaigns SET status = 'cancelled' WHERE id = ANY($1)`, [campaignIds]);
    const deleted = await leader.request('DELETE', `/api/notice-recordings/${rec.id}`);
    expect(deleted.status).toBe(204);
  });

  it('a text file named .wav: 415 in words; a 4-minute WAV: 400; more than 8 MB: 413; empty: 400', async () => {
    const text = await upload(Buffer.from('3号楼明天停水\n'), 'notice.wav');
    expect(text.status).toBe(415);
    expect(message(text)).toContain('This is not a WAV file');
    const long = await upload(
      wavFile({ format: 6, bits: 8, data: Buffer.alloc(240 * 8000, 0xd5) }),
      'long.wav',
    );
    expect(long.status).toBe(400);
    expect(message(long)).toContain('at most 3 minutes');
    const huge = await upload(
      wavFile({ sampleRate: 48000, data: Buffer.alloc(9 * 1024 * 1024) }),
      'huge.wav',
    );
    expect(huge.status).toBe(413);
    expect(message(huge)).toContain('at most 8 MB');
    const empty = await upload(Buffer.alloc(0), 'empty.wav');
    expect(empty.status).toBe(400);
  });

  it('an agent may not upload or list recordings (403); a campaign with an unknown recording: 400 in words', async () => {
    const byAgent = await upload(tonePattern(), 'tone.wav', agent);
    expect(byAgent.status).toBe(403);
    expect(message(byAgent)).toContain('Only team leaders and admins');
    expect((await agent.request('GET', '/api/notice-recordings')).status).toBe(403);

    const { rows } = await db().query<{ next: number }>(
      `SELECT coalesce(max(id), 0)::int + 1000 AS next FROM notice_recordings`,
    );
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const res = await leader.request('POST', '/api/campaigns', {
      kind: 'notice',
      name: `未知录音 ${tag}`,
      trunk: 'default',
      ownerIds: [owner.ownerId],
      notice: { kind: 'other', recording: rows[0]!.next },
    });
    expect(res.status).toBe(400);
    expect(message(res)).toContain(`There is no notice recording ${rows[0]!.next}`);
    // neither text nor recording
    const none = await leader.request('POST', '/api/campaigns', {
      kind: 'notice',
      name: `空通知 ${tag}`,
      trunk: 'default',
      ownerIds: [owner.ownerId],
      notice: { kind: 'other' },
    });
    expect(none.status).toBe(400);
    expect(message(none)).toContain('write the notice text, or choose a recording');
  });
});

describe('a recording that cannot be played', () => {
  it('the call still goes out and the owner hears the notice’s text spoken instead', async () => {
    // bytes sox cannot read (written past the API, which would have refused them)
    const { rows } = await db().query<{ id: number }>(
      `INSERT INTO notice_recordings (name, audio, sha256, duration_ms, uploaded_by)
       VALUES ($1, $2, $3, 4000, $4) RETURNING id::int`,
      [
        `坏录音 ${tag}`,
        Buffer.from('RIFF....WAVEnot really'),
        randomBytes(32).toString('hex'),
        leaderAgent.agentId,
      ],
    );
    recordingIds.push(rows[0]!.id);
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const phone = await startOwnerPhone('silent');
    const campaign = {
      ...(await createCampaign({
        kind: 'notice',
        dial: phone.dial,
        notice: { kind: 'water-cut', text: '5号楼今晚停电检修', recording: rows[0]!.id },
      })),
      kind: 'notice' as const,
      dial: phone.dial,
    };
    await withCleanUp(
      async () => {
        const dial = await createAttempt(campaign, {
          ownerId: owner.ownerId,
          phone: owner.phone,
          unitId: owner.units[0]!.unitId,
        });
        const end = await platform.outbound!.place(dial, { onDialled: () => undefined });
        expect(end).toMatchObject({ result: 'answered', outcome: 'heard' });
        const heard = observer.heardPrompts(end.channelId!);
        expect(heard.slice(0, 2)).toEqual(['notice-intro', 'notice-water-cut']);
        expect(heard[2]).toMatch(/notices\/[0-9a-f]{40}$/);
        expect(heard.some((p) => p.includes('/rec-'))).toBe(false);
      },
      async () => {
        await phone.stop();
        await dropCampaign(campaign);
      },
    );
  });
});

describe('the notice form in Chromium', () => {
  it('a team leader uploads a WAV in the notice form, hears it, creates the notice with it; its page names it', async () => {
    // a trunk that reaches no one: the campaign stays a draft here
    await db().query(
      `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
       VALUES ($1, $2, 'PJSIP/outside/sip:{number}@127.0.0.1:5999', '4008200000', 2, 2)`,
      [`${trunk}-p`, `录音页面线路${tag}`],
    );
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const browser = await launchBrowser();
    await withCleanUp(
      async () => {
        const page = await browser.newPage();
        await page.goto(platform.url);
        await page.getByTestId('login-input').fill(leaderAgent.login);
        await page.getByTestId('password-input').fill(leaderAgent.password);
        await page.getByTestId('login-submit').click();
        await page.getByTestId('agent-name').filter({ hasText: leaderAgent.name }).waitFor();
        await page.getByTestId('nav-campaigns').click();
        await page.getByTestId('campaign-form').waitFor();
        await page.getByTestId('campaign-kind').selectOption('notice');
        const name = `停水录音${tag}`;
        await page.getByTestId('campaign-noticeRecordingFile').setInputFiles({
          name: `${name}.wav`,
          mimeType: 'audio/wav',
          buffer: tonePattern(),
        });
        await expect
          .poll(() => page.getByTestId('campaign-recording-status').textContent())
          .toContain(`已上传 Uploaded: ${name} (00:04)`);
        const { rows } = await db().query<{ id: number }>(
          'SELECT id::int FROM notice_recordings WHERE name = $1',
          [name],
        );
        recordingIds.push(rows[0]!.id);
        // chosen in the list, which names it with its length, and playable in the preview
        const chosen = page.getByTestId('campaign-noticeRecording');
        expect(await chosen.inputValue()).toBe(String(rows[0]!.id));
        expect(await chosen.locator('option:checked').textContent()).toContain(`${name} (00:04`);
        const preview = page.getByTestId('campaign-recording-preview');
        await expect
          .poll(() =>
            preview.evaluate((a: HTMLAudioElement) => (Number.isFinite(a.duration) ? a.duration : 0)),
          )
          .toBeCloseTo(4, 1);

        await page.getByTestId('campaign-name').fill(`录音通知页面${tag}`);
        await page.getByTestId('campaign-trunk').selectOption(`${trunk}-p`);
        await page.getByTestId('campaign-noticeKind').selectOption('water-cut');
        await page.getByTestId('campaign-noticeText').fill('3号楼明天停水');
        await page.getByTestId('campaign-ownerIds').fill(String(owner.ownerId));
        await page.getByTestId('campaign-create').click();
        await expect
          .poll(() => page.getByTestId('campaign-title').textContent())
          .toContain(`录音通知页面${tag}`);
        campaignIds.push(Number(/#\/campaigns\/(\d+)/.exec(page.url())![1]));
        await expect
          .poll(() => page.getByTestId('campaign-settings').textContent())
          .toContain(`通知录音 Recording${name} (00:04)`);
        await page.close();
      },
      () => browser.close(),
    );
  });
});
