// The queues calls wait in (one per skill) and their settings.
import type { Queryable } from './pool.ts';

export interface QueueSettings {
  name: string;
  labelZh: string;
  labelEn: string;
  /** An agent takes the queue's calls with its skill at this level or above (1-9). */
  minLevel: number;
  /** Wrap-up time after the queue's calls; null: the platform's default (HOTLINE_WRAP_UP_S). */
  wrapUpS: number | null;
}

export async function listQueues(db: Queryable): Promise<QueueSettings[]> {
  const { rows } = await db.query<QueueSettings>(
    `SELECT name, label_zh AS "labelZh", label_en AS "labelEn", min_level AS "minLevel", wrap_up_s AS "wrapUpS"
       FROM queues ORDER BY name`,
  );
  return rows;
}
