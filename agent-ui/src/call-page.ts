// One call's page (#/calls/<id>): the call record, its timeline, and the recording to play or download.
// An <audio> element cannot send the sign-in header, so the page asks for a short-lived playback link.
import type { CallDetails, RecordingLink } from '../../core/contracts.ts';
import { ApiError } from './api.ts';
import { h, replace } from './dom.ts';
import { directionLabel, dispositionLabel, formatDate, formatDuration, formatIvrPath } from './format.ts';

export interface CallPageActions {
  call(callId: string): Promise<CallDetails>;
  recordingLink(callId: string): Promise<RecordingLink>;
  describeError(err: unknown): string;
}

export interface CallPage {
  readonly root: HTMLElement;
  /** Show the call (loading it afresh). */
  show(callId: string): void;
  hide(): void;
}

/** The route of a call's page, and the call id in a location hash ("#/calls/<id>"), if it is one. */
export const callPageHash = (callId: string): string => `#/calls/${encodeURIComponent(callId)}`;
export function callIdInHash(hash: string): string | null {
  const match = /^#\/calls\/([0-9a-f-]{36})$/i.exec(hash);
  return match ? match[1]! : null;
}

const OUTCOMES: Readonly<Record<string, string>> = {
  answered: '已接听 Answered',
  abandoned: '放弃 Abandoned',
  'self-service': '自助服务 Self-service',
  voicemail: '留言 Voicemail',
  failed: '未接通 Failed',
};

const TIMELINE_KINDS: Readonly<Record<string, string>> = {
  arrived: '来电 Call arrived',
  'ivr-answered': '语音导航接听 IVR answered',
  identified: '识别业主 Owner identified',
  menu: '菜单选择 Menu choice',
  'self-service': '自助服务 Self-service',
  queued: '进入队列 Queued',
  overflowed: '溢出 Overflowed',
  offered: '分配坐席 Offered to an agent',
  'agent-ringing': '坐席振铃 Agent ringing',
  'agent-no-answer': '坐席未接 Agent did not answer',
  'agent-failed': '坐席不可达 Agent unreachable',
  'agent-answered': '坐席接听 Agent answered',
  held: '保持 Held',
  resumed: '恢复通话 Resumed',
  transferred: '转接 Transferred',
  'outside-answered': '外线接听 Outside number answered',
  'outside-failed': '外线未接通 Outside number failed',
  'consult-started': '开始咨询 Consultation started',
  'consult-answered': '咨询接通 Consultation answered',
  'consult-failed': '咨询失败 Consultation failed',
  'consult-ended': '咨询结束 Consultation ended',
  'consult-cancelled': '取消咨询 Consultation cancelled',
  conference: '三方通话 Conference',
  'conference-left': '离开三方 Left the conference',
  ended: '通话结束 Ended',
  'wrapped-up': '话后整理完成 Wrapped up',
  'monitor-started': '组长开始监听 Monitoring started',
  'monitor-changed': '监听方式变更 Monitoring changed',
  'monitor-ended': '监听结束 Monitoring ended',
};

const labelOf = (table: Readonly<Record<string, string>>, code: string): string =>
  Object.hasOwn(table, code) ? (table[code] ?? code) : code;

/** Local "2026-12-07 09:05:03" for a timeline entry. */
function formatSeconds(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${formatDate(value)}:${date.getSeconds().toString().padStart(2, '0')}`;
}

/** The talk time: from the agent's answer to the end of the call. */
export function talkMs(call: Pick<CallDetails, 'agentAnsweredAt' | 'endedAt'>): number | null {
  if (!call.agentAnsweredAt || !call.endedAt) return null;
  return new Date(call.endedAt).getTime() - new Date(call.agentAnsweredAt).getTime();
}

function detailText(detail: Record<string, unknown>): string {
  const parts = Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined && v !== '' && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`);
  return parts.join(' · ');
}

export function createCallPage(actions: CallPageActions): CallPage {
  const title = h(
    'h2',
    { attrs: { id: 'call-page-title' } },
    '通话详情 ',
    h('span', { class: 'en' }, 'Call details'),
  );
  const error = h('p', { class: 'form-error', testid: 'call-page-error', attrs: { role: 'alert' } });
  const record = h('dl', { class: 'pop-meta', testid: 'call-record' });
  const timeline = h('ol', { class: 'plain-list call-timeline', testid: 'call-timeline' });
  const recording = h('div', { class: 'call-recording', testid: 'call-recording' });
  const root = h(
    'main',
    { class: 'call-page', testid: 'call-page', attrs: { 'aria-labelledby': 'call-page-title' } },
    h('p', {}, h('a', { testid: 'call-page-back', attrs: { href: '#/' } }, '← 返回工作台 Back to the desk')),
    title,
    error,
    record,
    h('section', { class: 'pop-section' }, h('h3', {}, '录音 Recording'), recording),
    h('section', { class: 'pop-section' }, h('h3', {}, '通话过程 Timeline'), timeline),
  );
  root.hidden = true;
  /** Bumped by every show, so a late answer for another call is not drawn. */
  let seq = 0;

  const meta = (term: string, value: string, testid: string): HTMLElement[] => [
    h('dt', {}, term),
    h('dd', { testid }, value),
  ];

  function drawRecord(call: CallDetails): void {
    const talk = talkMs(call);
    replace(
      record,
      ...meta('来电时间 When', formatSeconds(call.startedAt), 'call-started'),
      ...meta('方向 Direction', directionLabel(call.direction), 'call-direction'),
      ...meta('主叫 Caller', call.callerNumber ?? '号码隐藏 Withheld', 'call-caller'),
      ...meta('业主 Owner', call.ownerName ?? '未识别业主 Owner not identified', 'call-owner'),
      ...meta('坐席 Agent', call.agentName ?? '无 None', 'call-agent'),
      ...meta('队列 Queue', call.queue ?? '—', 'call-queue'),
      ...meta('按键路径 IVR path', formatIvrPath(call.ivrPath), 'call-ivr-path'),
      ...meta('结果 Outcome', call.outcome ? labelOf(OUTCOMES, call.outcome) : '—', 'call-outcome'),
      ...meta('通话时长 Talk time', talk === null ? '—' : formatDuration(talk), 'call-talk-time'),
      ...meta(
        '处理结果 Disposition',
        call.disposition ? dispositionLabel(call.disposition) : '未整理 Not wrapped up',
        'call-disposition',
      ),
      ...meta('备注 Note', call.wrapUpNote ?? '—', 'call-note'),
    );
    replace(
      timeline,
      ...call.timeline.map((e) =>
        h(
          'li',
          { attrs: { 'data-kind': e.kind } },
          h('time', { attrs: { datetime: e.at } }, formatSeconds(e.at)),
          ' ',
          h('span', { class: 'timeline-kind' }, labelOf(TIMELINE_KINDS, e.kind)),
          detailText(e.detail) ? h('span', { class: 'muted' }, ` (${detailText(e.detail)})`) : null,
        ),
      ),
    );
  }

  function drawRecording(link: RecordingLink | null, message = ''): void {
    if (!link) {
      replace(recording, h('p', { class: 'empty', testid: 'call-no-recording' }, message));
      return;
    }
    const audio = h('audio', {
      testid: 'call-audio',
      attrs: { controls: true, preload: 'metadata', src: link.url, 'aria-label': '通话录音 Call recording' },
    });
    const download = h(
      'a',
      { testid: 'call-download', attrs: { href: `${link.url}&download=1`, download: '' } },
      '下载 Download',
    );
    replace(
      recording,
      audio,
      h('p', {}, download, h('span', { class: 'muted' }, ' 链接十分钟内有效 The link works for ten minutes')),
    );
  }

  async function load(callId: string, mine: number): Promise<void> {
    try {
      const call = await actions.call(callId);
      if (mine !== seq) return;
      drawRecord(call);
    } catch (err) {
      if (mine === seq) error.textContent = actions.describeError(err);
      return;
    }
    try {
      const link = await actions.recordingLink(callId);
      if (mine === seq) drawRecording(link);
    } catch (err) {
      if (mine !== seq) return;
      if (err instanceof ApiError && err.status === 404) drawRecording(null, '无录音 No recording');
      else drawRecording(null, actions.describeError(err));
    }
  }

  return {
    root,
    show(callId) {
      const mine = ++seq;
      root.dataset.callId = callId;
      error.textContent = '';
      replace(record);
      replace(timeline);
      replace(recording, h('p', { class: 'muted' }, '加载中 Loading…'));
      root.hidden = false;
      void load(callId, mine);
    },
    hide() {
      seq++;
      root.hidden = true;
      delete root.dataset.callId;
      // stop the player: a hidden page must not go on playing
      replace(recording);
    },
  };
}
