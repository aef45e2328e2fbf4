// A ticket's evidence (issue 5): an owner calls, the agent files a complaint from the call, and the ticket carries
// the call and its recording; the department the ticket is dispatched to hears the owner; photos and signed forms
// are attached and read back byte for byte by those handling the case, and by nobody else. Against the real
// Asterisk (the owner and the agent's desk phone are sipp), PostgreSQL and Redis.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { eventually, stackConfig } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  type TestAgent,
  type TestOrganisation,
  type TestOwner,
} from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/** A 1×1 JPEG photo (decodes in Chromium). */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
/** A one-page PDF: the owner's signed agreement to the handling plan. */
const PDF = Buffer.from(
  [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
    '',
  ].join('\n'),
  'latin1',
);
const LIMIT_MB = 1;

let platform: TestPlatform;
let attachmentDir: string;
let phone: AgentPhone;
let owner: TestOwner;
let company: TestOrganisation;
/** The agent at seat 4 who takes the owner's calls and files the complaint. */
let agent: AgentClient;
let agentAccount: TestAgent;
let engineering: AgentClient;
let engineeringAccount: TestAgent;
let customerService: AgentClient;
let otherEstateAgent: AgentClient;
let leader: AgentClient;
const clients: AgentClient[] = [];

interface TicketCallView {
  callId: string;
  createdFrom: boolean;
  linkedAtWrapUp: boolean;
  startedAt: string;
  direction: string;
  agentName: string | null;
  talkS: number | null;
  outcome: string | null;
  hasRecording: boolean;
}
interface AttachmentView {
  id: number;
  ticketId: number;
  name: string;
  type: string;
  size: number;
  sha256: string;
  uploadedBy: { id: number; name: string };
}
interface Step {
  kind: string;
  by: { role: string; id: number | null; name: string | null };
  from: string | null;
  to: string;
  detail: Record<string, unknown>;
}
interface TicketView {
  id: number;
  ticket: { status: string };
  timeline: Step[];
  calls: TicketCallView[];
  attachments: AttachmentView[];
}

/** Signed in over HTTP only (no desk: department staff and team leaders here take no calls). */
async function signIn(account: TestAgent): Promise<AgentClient> {
  const client = new AgentClient(platform.url);
  const res = await client.request('POST', '/api/auth/login', {
    login: account.login,
    password: account.password,
  });
  expect(res.status).toBe(200);
  client.token = (res.body as { token: string }).token;
  return client;
}

function upload(
  by: AgentClient,
  ticketId: number,
  file: Buffer | ReadableStream<Uint8Array>,
  name: string | null,
  claimedType = 'application/octet-stream',
): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${by.token}`,
    'content-type': claimedType,
  };
  if (name !== null) headers['x-file-name'] = encodeURIComponent(name);
  return fetch(`${platform.url}/api/tickets/${ticketId}/attachments`, {
    method: 'POST',
    headers,
    body: file,
    ...(file instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

const download = (by: AgentClient, ticketId: number, attachmentId: number) =>
  fetch(`${platform.url}/api/tickets/${ticketId}/attachments/${attachmentId}`, {
    headers: { authorization: `Bearer ${by.token}` },
  });

async function view(by: AgentClient, ticketId: number): Promise<TicketView> {
  const res = await by.request('GET', `/api/tickets/${ticketId}`);
  expect(res.status).toBe(200);
  return res.body as TicketView;
}

async function act(by: AgentClient, ticketId: number, action: Record<string, unknown>): Promise<void> {
  const res = await by.request('POST', `/api/tickets/${ticketId}/actions`, action);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** A complaint about the owner's unit filed at the desk (not from a call), verified and dispatched to `to`. */
async function dispatchedComplaint(to: string): Promise<number> {
  const filed = await agent.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    unitId: owner.units[0]!.unitId,
    type: 'complaint',
    complaintCategory: '工程质量',
    description: '地下车库渗水',
  });
  expect(filed.status).toBe(201);
  const id = (filed.body as { id: number }).id;
  await act(agent, id, { kind: 'verify' });
  await act(agent, id, { kind: 'dispatch', department: to });
  return id;
}

/** Seconds of audio in a WAV file as Asterisk writes it (44-byte header; bytes per second at offset 28). */
function wavSeconds(wav: Buffer): number {
  expect(wav.subarray(0, 4).toString()).toBe('RIFF');
  expect(wav.subarray(8, 12).toString()).toBe('WAVE');
  return (wav.length - 44) / wav.readUInt32LE(28);
}

/** The recording is complete once Asterisk has written the WAV header's final size. */
async function completeRecording(callId: string): Promise<void> {
  const file = join(stackConfig().recordingDir, `call-${callId}.wav`);
  await eventually(() => {
    if (!existsSync(file)) return false;
    const wav = readFileSync(file);
    return wav.length > 44 && wav.readUInt32LE(4) === wav.length - 8;
  }, 'the recording to be complete');
}

beforeAll(async () => {
  attachmentDir = join(mkdtempSync(join(tmpdir(), 'hotline-evidence-')), 'attachments');
  platform = await startTestPlatform({
    HOTLINE_ATTACHMENT_DIR: attachmentDir,
    HOTLINE_ATTACHMENT_MAX_MB: String(LIMIT_MB),
  });
  company = await createOrganisation({ kind: 'property-company', departments: ['工程部', '客服部'] });
  owner = await createOwner({
    name: '郑洁',
    rooms: [{ roomCode: 'E2-0903' }],
    propertyCompanyId: company.id,
  });
  const elsewhere = await createOwner({ name: '冯强', rooms: [{ roomCode: 'F1-0101' }] });
  phone = await startAgentPhone(4);
  agentAccount = await createAgent({ seat: 4, name: '客服小周', estates: [owner.estateId] });
  agent = await AgentClient.signIn(platform.url, agentAccount);
  engineeringAccount = await createAgent({
    seat: null,
    role: 'department',
    name: '工程部老孙',
    organisationId: company.id,
    department: company.departments['工程部'],
  });
  engineering = await signIn(engineeringAccount);
  customerService = await signIn(
    await createAgent({
      seat: null,
      role: 'department',
      name: '客服部小钱',
      organisationId: company.id,
      department: company.departments['客服部'],
    }),
  );
  otherEstateAgent = await signIn(
    await createAgent({ seat: null, name: '别的小区客服', estates: [elsewhere.estateId] }),
  );
  leader = await signIn(await createAgent({ seat: null, role: 'supervisor', name: '值班组长' }));
  clients.push(agent);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await phone?.stop();
  await platform?.close();
  await closeDb();
  if (attachmentDir) rmSync(join(attachmentDir, '..'), { recursive: true, force: true });
});

describe("a complaint filed from the owner's call", () => {
  let ticketId: number;
  let ticketNumber: string;
  let firstCall: string;

  it('carries the call and its recording; the department it is dispatched to hears the owner', async () => {
    await agent.setState('available');
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
    const { pop } = await agent.nextPop((p) => p.callerNumber === owner.phone);
    firstCall = pop.callId;
    await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to be on the call');
    // filed while the owner is still talking, as the agent listens
    const filed = await agent.request('POST', '/api/tickets', {
      callId: firstCall,
      unitId: owner.units[0]!.unitId,
      type: 'complaint',
      complaintCategory: '工程质量',
      description: '卫生间天花板漏水,楼上无人',
    });
    expect(filed.status).toBe(201);
    ({ id: ticketId, number: ticketNumber } = filed.body as { id: number; number: string });
    expect(filed.body).toMatchObject({ ownerId: owner.ownerId, createdFromCall: firstCall });
    expect((await call).code).toBe(0);

    // once the call has ended, the ticket lists it with its talk time and its recording
    const listed = await eventually(async () => {
      const calls = (await view(agent, ticketId)).calls;
      return calls[0]?.talkS !== null && calls[0]?.talkS !== undefined ? calls : undefined;
    }, 'the ended call on the ticket');
    expect(listed).toHaveLength(1);
    const onTicket = listed[0]!;
    expect(onTicket).toMatchObject({
      callId: firstCall,
      createdFrom: true,
      linkedAtWrapUp: false,
      direction: 'inbound',
      agentName: '客服小周',
      outcome: 'answered',
      hasRecording: true,
    });
    expect(onTicket.talkS).toBeGreaterThan(3);
    expect(Date.now() - new Date(onTicket.startedAt).getTime()).toBeLessThan(120_000);

    // before the ticket is theirs, the engineering department neither sees it nor hears the call
    expect((await engineering.request('GET', `/api/tickets/${ticketId}`)).status).toBe(404);
    const early = await engineering.request('POST', `/api/calls/${firstCall}/recording-link`);
    expect(early.status).toBe(403);
    expect((early.body as { message: string }).message).toContain('You may only hear calls you handled');

    await act(agent, ticketId, { kind: 'verify' });
    await act(agent, ticketId, { kind: 'dispatch', department: company.departments['工程部'] });

    // now they do: the ticket sent to them lists the call, they get a link for the player, and the recording
    // lasts about as long as the conversation
    const sentToThem = await view(engineering, ticketId);
    expect(sentToThem.calls.map((c) => [c.callId, c.hasRecording])).toEqual([[firstCall, true]]);
    await completeRecording(firstCall);
    const link = await engineering.request(
      'POST',
      `/api/calls/${sentToThem.calls[0]!.callId}/recording-link`,
    );
    expect(link.status).toBe(200);
    const { url } = link.body as { url: string };
    const played = await fetch(platform.url + url);
    expect(played.status).toBe(200);
    expect(played.headers.get('content-type')).toBe('audio/wav');
    const seconds = wavSeconds(Buffer.from(await played.arrayBuffer()));
    expect(Math.abs(seconds - onTicket.talkS!)).toBeLessThan(2);

    // another department, and an agent of another estate, still may not
    for (const stranger of [customerService, otherEstateAgent]) {
      const refused = await stranger.request('POST', `/api/calls/${firstCall}/recording-link`);
      expect(refused.status).toBe(403);
    }
  });

  it('also lists a later call the agent linked to it at wrap-up, which the department may hear too', async () => {
    await eventually(async () => (await agent.status()).state === 'available', 'the agent to be free');
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 5_000 });
    const { pop } = await agent.nextPop((p) => p.callerNumber === owner.phone && p.callId !== firstCall);
    expect((await call).code).toBe(0);
    const wrapped = await agent.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'ticket',
      ticketNumber,
      note: '业主催问维修进度',
    });
    expect(wrapped.status).toBe(200);

    const calls = await eventually(async () => {
      const listed = (await view(agent, ticketId)).calls;
      return listed.length === 2 && listed[1]!.talkS !== null ? listed : undefined;
    }, 'both calls on the ticket');
    expect(calls.map((c) => [c.callId, c.createdFrom, c.linkedAtWrapUp])).toEqual([
      [firstCall, true, false],
      [pop.callId, false, true],
    ]);
    expect(calls[1]).toMatchObject({ agentName: '客服小周', outcome: 'answered', hasRecording: true });

    await completeRecording(pop.callId);
    const link = await engineering.request('POST', `/api/calls/${pop.callId}/recording-link`);
    expect(link.status).toBe(200);
    // with the sign-in header as well
    const direct = await fetch(`${platform.url}/api/calls/${pop.callId}/recording`, {
      headers: { authorization: `Bearer ${engineering.token}` },
    });
    expect(direct.status).toBe(200);
    expect(Math.abs(wavSeconds(Buffer.from(await direct.arrayBuffer())) - calls[1]!.talkS!)).toBeLessThan(2);
    expect((await customerService.request('POST', `/api/calls/${pop.callId}/recording-link`)).status).toBe(
      403,
    );
  });
});

describe("a ticket's attachments", () => {
  let ticketId: number;
  let photo: AttachmentView;
  let form: AttachmentView;

  beforeAll(async () => {
    ticketId = await dispatchedComplaint(company.departments['工程部']!);
  });

  it('are uploaded by those handling the case and read back byte for byte', async () => {
    // the agent attaches the owner's photo (the browser on Windows sends the path it came from)
    const sent = await upload(agent, ticketId, JPEG, 'C:\\fakepath\\漏水照片.jpg', 'image/jpeg');
    expect(sent.status).toBe(201);
    photo = (await sent.json()) as AttachmentView;
    expect(photo).toMatchObject({
      ticketId,
      name: '漏水照片.jpg',
      type: 'image/jpeg',
      size: JPEG.length,
      uploadedBy: { id: agentAccount.agentId, name: '客服小周' },
    });
    expect(photo.sha256).toMatch(/^[0-9a-f]{64}$/);

    // the engineering department attaches the owner's signed agreement (what it claims to be does not matter)
    const signed = await upload(engineering, ticketId, PDF, '业主签字确认书.pdf', 'text/plain');
    expect(signed.status).toBe(201);
    form = (await signed.json()) as AttachmentView;
    expect(form).toMatchObject({ name: '业主签字确认书.pdf', type: 'application/pdf', size: PDF.length });

    // the photo is shown in the browser, the form is downloaded; both as they were sent
    const shown = await download(engineering, ticketId, photo.id);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('image/jpeg');
    expect(shown.headers.get('x-content-type-options')).toBe('nosniff');
    expect(shown.headers.get('content-disposition')).toBe(
      `inline; filename="____.jpg"; filename*=UTF-8''${encodeURIComponent('漏水照片.jpg')}`,
    );
    expect(Buffer.from(await shown.arrayBuffer()).equals(JPEG)).toBe(true);
    const got = await download(agent, ticketId, form.id);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toMatch(
      new RegExp(
        `^attachment; filename="[^"]+"; filename\\*=UTF-8''${encodeURIComponent('业主签字确认书.pdf')}$`,
      ),
    );
    expect(Buffer.from(await got.arrayBuffer()).equals(PDF)).toBe(true);

    // kept under generated names, not the names they came with
    const stored = readdirSync(attachmentDir);
    expect(stored).toHaveLength(2);
    for (const name of stored) expect(name).toMatch(/^[0-9a-f-]{36}\.(jpg|pdf)$/);

    // the ticket lists them, and its timeline has a step for each upload, the status unchanged
    const seen = await view(engineering, ticketId);
    expect(seen.attachments.map((a) => [a.id, a.name, a.type])).toEqual([
      [photo.id, '漏水照片.jpg', 'image/jpeg'],
      [form.id, '业主签字确认书.pdf', 'application/pdf'],
    ]);
    const attachSteps = seen.timeline.filter((s) => s.kind === 'attach');
    expect(attachSteps).toEqual([
      {
        at: expect.any(String) as string,
        kind: 'attach',
        by: { role: 'agent', id: agentAccount.agentId, name: '客服小周' },
        from: 'dispatched',
        to: 'dispatched',
        waitEnded: false,
        detail: { attachmentId: photo.id, name: '漏水照片.jpg', size: JPEG.length, type: 'image/jpeg' },
      },
      {
        at: expect.any(String) as string,
        kind: 'attach',
        by: { role: 'department', id: engineeringAccount.agentId, name: '工程部老孙' },
        from: 'dispatched',
        to: 'dispatched',
        waitEnded: false,
        detail: {
          attachmentId: form.id,
          name: '业主签字确认书.pdf',
          size: PDF.length,
          type: 'application/pdf',
        },
      },
    ]);
    expect(seen.ticket.status).toBe('dispatched');
  });

  it('are not read, listed or added by another department or an agent of another estate', async () => {
    for (const [who, stranger] of [
      ['another department', customerService],
      ['an agent of another estate', otherEstateAgent],
    ] as const) {
      for (const attachment of [photo, form]) {
        const res = await download(stranger, ticketId, attachment.id);
        expect(res.status, who).toBe(404);
        expect(((await res.json()) as { message: string }).message, who).toBe(
          `工单 ${ticketId} 不存在或您无权查看 / There is no ticket ${ticketId} that you may see.`,
        );
      }
      const added = await upload(stranger, ticketId, JPEG, '照片.jpg');
      expect(added.status, who).toBe(404);
      const noted = await stranger.request('POST', `/api/tickets/${ticketId}/notes`, { text: '看看' });
      expect(noted.status, who).toBe(404);
    }
    // the same answer as for a ticket that does not exist
    const nowhere = await upload(agent, 987_654_321, JPEG, '照片.jpg');
    expect(nowhere.status).toBe(404);
    expect(((await nowhere.json()) as { message: string }).message).toContain(
      'There is no ticket 987654321 that you may see',
    );
    // nor is one ticket's attachment read through another the reader may see
    const otherTicket = await dispatchedComplaint(company.departments['工程部']!);
    expect((await download(agent, otherTicket, photo.id)).status).toBe(404);
    expect((await download(agent, ticketId, 987_654_321)).status).toBe(404);
    // nothing was written by the refusals
    expect((await view(agent, ticketId)).attachments).toHaveLength(2);
    expect(readdirSync(attachmentDir)).toHaveLength(2);
  });

  it('refuses an empty file, a file too large, a file that is not a photo or a PDF, and a bad name, in words', async () => {
    const refusals: [string, Response, number, string][] = [
      ['empty', await upload(agent, ticketId, Buffer.alloc(0), '空.jpg'), 400, 'The file is empty'],
      [
        'too large',
        await upload(
          agent,
          ticketId,
          Buffer.concat([JPEG.subarray(0, 3), Buffer.alloc(LIMIT_MB * 1024 * 1024)]),
          '大.jpg',
        ),
        413,
        `at most ${LIMIT_MB} MB`,
      ],
      [
        'too large, sent without its size',
        await upload(
          agent,
          ticketId,
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(JPEG);
              for (let i = 0; i < LIMIT_MB * 4; i++) controller.enqueue(new Uint8Array(300 * 1024));
              controller.close();
            },
          }),
          '大.jpg',
        ),
        413,
        `at most ${LIMIT_MB} MB`,
      ],
      [
        'a web page called a photo',
        await upload(
          agent,
          ticketId,
          Buffer.from('<html><script>alert(1)</script>'),
          '照片.jpg',
          'image/jpeg',
        ),
        415,
        'JPEG, PNG, WebP or HEIC photos, or PDF documents',
      ],
      [
        'control characters in the name',
        await upload(agent, ticketId, JPEG, '照片\n.jpg'),
        400,
        'control or hidden formatting characters',
      ],
      ['no name', await upload(agent, ticketId, JPEG, null), 400, 'X-File-Name'],
      ['only a folder', await upload(agent, ticketId, JPEG, '../'), 400, 'The file has no name'],
      [
        'a name too long',
        await upload(agent, ticketId, JPEG, `${'漏'.repeat(252)}.jpg`),
        400,
        'at most 255 characters',
      ],
    ];
    for (const [what, res, status, message] of refusals) {
      expect(res.status, what).toBe(status);
      const body = (await res.json()) as { message: string };
      expect(body.message, what).toContain(message);
      expect(body.message, what).toMatch(/[\u4e00-\u9fff]/);
    }
    expect((await view(agent, ticketId)).attachments).toHaveLength(2);
    // nothing left behind in the folder, not even a part of the large ones
    expect(readdirSync(attachmentDir)).toHaveLength(2);
  });

  it('leave nothing behind when an upload is broken off halfway', async () => {
    const before = readdirSync(attachmentDir).length;
    const broken = new AbortController();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (broken.signal.aborted) return controller.error(new Error('the network is gone'));
        if (sent === 0) controller.enqueue(JPEG);
        else controller.enqueue(new Uint8Array(64 * 1024));
        sent += 1;
        // the phone loses its network after a few chunks (the server has started writing the file)
        if (sent === 4) {
          await new Promise((r) => setTimeout(r, 200));
          broken.abort();
        }
      },
    });
    const upload = fetch(`${platform.url}/api/tickets/${ticketId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'x-file-name': 'half.jpg' },
      body,
      duplex: 'half',
      signal: broken.signal,
    } as RequestInit);
    await expect(upload).rejects.toThrow();
    await eventually(() => readdirSync(attachmentDir).length === before, 'the partial file to be removed');
    expect(readdirSync(attachmentDir).filter((f) => f.endsWith('.upload'))).toEqual([]);
    expect((await view(agent, ticketId)).attachments).toHaveLength(2);
  });

  it('are still taken once the ticket is closed (a receipt that arrives afterwards)', async () => {
    const closedId = await dispatchedComplaint(company.departments['工程部']!);
    await act(leader, closedId, {
      kind: 'force-close',
      closure: { reason: 'registered-mail', deliveredOn: '2026-11-20', evidence: ['EMS 1234567890'] },
    });
    const receipt = await upload(leader, closedId, PDF, 'EMS回执.pdf');
    expect(receipt.status).toBe(201);
    const step = (await view(leader, closedId)).timeline.at(-1)!;
    expect(step).toMatchObject({ kind: 'attach', from: 'closed', to: 'closed', by: { role: 'supervisor' } });
    // a long Chinese name is kept whole (255 characters: 2,295 percent-encoded in the header)
    const longName = `${'漏'.repeat(251)}.jpg`;
    const long = await upload(leader, closedId, JPEG, longName);
    expect(long.status).toBe(201);
    expect(((await long.json()) as AttachmentView).name).toBe(longName);
  });
});

describe("notes on a ticket's timeline", () => {
  it('are written by anyone handling the case, department staff too, and leave the status as it is', async () => {
    const id = await dispatchedComplaint(company.departments['工程部']!);
    const byAgent = await agent.request('POST', `/api/tickets/${id}/notes`, {
      text: '  业主下午三点后在家  ',
    });
    expect(byAgent.status).toBe(201);
    expect(byAgent.body).toMatchObject({ kind: 'note', detail: { text: '业主下午三点后在家' } });
    const byDepartment = await engineering.request('POST', `/api/tickets/${id}/notes`, {
      text: '已约周四上门',
    });
    expect(byDepartment.status).toBe(201);
    const empty = await agent.request('POST', `/api/tickets/${id}/notes`, { text: '   ' });
    expect(empty.status).toBe(400);
    expect((empty.body as { message: string }).message).toContain('The note is empty');

    const notes = (await view(agent, id)).timeline.filter((s) => s.kind === 'note');
    expect(notes.map((s) => [s.by.role, s.by.name, s.from, s.to, s.detail.text])).toEqual([
      ['agent', '客服小周', 'dispatched', 'dispatched', '业主下午三点后在家'],
      ['department', '工程部老孙', 'dispatched', 'dispatched', '已约周四上门'],
    ]);
  });
});
