// Agents: logins, phones (PJSIP endpoints) and skills.
import type { Role } from '../core/index.ts';
import type { Queryable } from './pool.ts';

export interface Agent {
  id: number;
  login: string;
  name: string;
  agentNumber: string;
  role: Role;
  endpoint: string | null;
  /** Skill (a queue's name) -> level, 1 (can take the call) to 9 (the expert). */
  skills: Record<string, number>;
  active: boolean;
}

const SELECT = `SELECT id, login, name, agent_number AS "agentNumber", role, endpoint, skills, active FROM agents`;

export async function findAgentForLogin(
  db: Queryable,
  login: string,
): Promise<(Agent & { passwordHash: string }) | null> {
  const { rows } = await db.query<Agent & { passwordHash: string }>(
    `SELECT id, login, name, agent_number AS "agentNumber", role, endpoint, skills, active,
            password_hash AS "passwordHash"
       FROM agents WHERE login = $1`,
    [login],
  );
  return rows[0] ?? null;
}

export async function getAgent(db: Queryable, id: number): Promise<Agent | null> {
  const { rows } = await db.query<Agent>(`${SELECT} WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export interface NewAgent {
  login: string;
  name: string;
  agentNumber: string;
  passwordHash: string;
  role: Role;
  endpoint: string | null;
  skills: Record<string, number>;
}

export async function upsertAgent(db: Queryable, agent: NewAgent): Promise<Agent> {
  const { rows } = await db.query<Agent>(
    `INSERT INTO agents (login, name, agent_number, password_hash, role, endpoint, skills)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (login) DO UPDATE SET name = EXCLUDED.name, agent_number = EXCLUDED.agent_number,
       password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, endpoint = EXCLUDED.endpoint,
       skills = EXCLUDED.skills, active = true
     RETURNING id, login, name, agent_number AS "agentNumber", role, endpoint, skills, active`,
    [
      agent.login,
      agent.name,
      agent.agentNumber,
      agent.passwordHash,
      agent.role,
      agent.endpoint,
      agent.skills,
    ],
  );
  return rows[0]!;
}
