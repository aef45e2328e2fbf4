// Stops and starts the private stack's services, for the failure tests.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type StackCommand =
  | 'asterisk-kill'
  | 'asterisk-stop'
  | 'asterisk-start'
  | 'asterisk2-start'
  | 'asterisk2-stop'
  | 'pg-stop'
  | 'pg-start'
  | 'pg-pause'
  | 'pg-resume'
  | 'redis-stop'
  | 'redis-start';

export function stack(command: StackCommand): void {
  execFileSync('bash', ['ops/stack.sh', command], { cwd: ROOT, stdio: 'pipe' });
}
