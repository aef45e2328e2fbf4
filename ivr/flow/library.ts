// The live flows of one IVR process: loaded from the flows folder, checked, bound to dialled numbers, and
// reloaded when a file changes. A file that fails the check never goes live: the last good version of that
// file keeps running (or, for a new file, nothing), and the error is logged and kept for the admin API.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowStatus, Logger } from '../../core/index.ts';
import { format, loadFlow, loadFlowFiles } from './load.ts';
import type { Flow } from './types.ts';
import type { CampaignKind } from '../../core/campaigns/types.ts';

/** How long to let an editor finish writing before reloading. */
const SETTLE_MS = 150;

export class FlowLibrary {
  readonly #dir: string;
  readonly #catalogue: ReadonlySet<string>;
  readonly #log: Logger;
  /** The text of each file as last loaded without errors. */
  readonly #lastGood = new Map<string, string>();
  #byNumber = new Map<string, Flow>();
  #byOutbound = new Map<CampaignKind, Flow>();
  #fallback: Flow | null = null;
  #status: FlowStatus = { checkedAt: new Date(0).toISOString(), flows: [], errors: [], warnings: [] };
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #reloading: Promise<void> = Promise.resolve();
  readonly #listeners = new Set<(status: FlowStatus) => void>();

  constructor(deps: { dir: string; catalogue: ReadonlySet<string>; log: Logger }) {
    this.#dir = deps.dir;
    this.#catalogue = deps.catalogue;
    this.#log = deps.log.child({ component: 'flows' });
  }

  /** Loads the folder; with `watch`, reloads it whenever a file in it changes. */
  async start(opts: { watch: boolean }): Promise<void> {
    await this.reload();
    if (!this.#fallback && this.#byNumber.size === 0) {
      throw new Error(
        `no usable IVR flow in ${this.#dir}: ${this.#status.errors.join('; ') || 'no flow files'}`,
      );
    }
    if (opts.watch) {
      this.#watcher = watch(this.#dir, () => this.#scheduleReload());
      this.#watcher.on('error', (err) => this.#log.error({ err }, 'cannot watch the flows folder'));
    }
  }

  close(): void {
    this.#watcher?.close();
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** The flow for a dialled number: the one bound to it, else the default; null when neither is live. */
  forDialled(dialled: string): Flow | null {
    return this.#byNumber.get(dialled.replace(/\D/g, '')) ?? this.#fallback;
  }

  /** The flow an answered campaign call of this kind runs; null when none is live. */
  forOutbound(kind: CampaignKind): Flow | null {
    return this.#byOutbound.get(kind) ?? null;
  }

  get status(): FlowStatus {
    return this.#status;
  }

  /** Told after every reload (the platform publishes it for the admin API). */
  onReload(listener: (status: FlowStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the folder now; reloads never overlap. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(() => this.#load());
    return this.#reloading;
  }

  #scheduleReload(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.reload();
    }, SETTLE_MS);
  }

  async #load(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.#dir)).filter((n) => n.endsWith('.yaml')).sort();
    } catch (err) {
      this.#log.error({ err }, 'cannot read the flows folder; the flows loaded before stay live');
      return;
    }
    const errors: string[] = [];
    const files: { file: string; text: string }[] = [];
    for (const name of names) {
      const file = join(this.#dir, name);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // deleted between readdir and readFile
      }
      const own = loadFlow(file, text, this.#catalogue);
      if (own.errors.length === 0) {
        this.#lastGood.set(file, text);
        files.push({ file, text });
        continue;
      }
      errors.push(...own.errors.map(format));
      const good = this.#lastGood.get(file);
      if (good !== undefined) files.push({ file, text: good });
    }
    for (const file of this.#lastGood.keys())
      if (!names.some((n) => join(this.#dir, n) === file)) this.#lastGood.delete(file);
    const set = loadFlowFiles(files, this.#catalogue);
    errors.push(...set.errors.map(format));
    this.#byNumber = set.byNumber;
    this.#byOutbound = set.byOutbound;
    this.#fallback = set.fallback;
    this.#status = {
      checkedAt: new Date().toISOString(),
      flows: set.flows.map((f) => ({
        name: f.name,
        file: f.file,
        numbers: f.numbers,
        isDefault: f.isDefault,
      })),
      errors,
      warnings: set.warnings.map(format),
    };
    for (const e of errors) this.#log.error({ flowError: e }, 'IVR flow not taken live');
    this.#log.info(
      { flows: this.#status.flows.map((f) => f.name), errors: errors.length },
      errors.length > 0 ? 'IVR flows loaded; broken files keep their last good version' : 'IVR flows loaded',
    );
    for (const listener of this.#listeners) listener(this.#status);
  }
}
