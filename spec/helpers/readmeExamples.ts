/**
 * The README's programs, as the specs run or type-check them: so that what a reader pastes is
 * what the specs hold true.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README's text. */
export function readme(): string {
  return readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
}

/**
 * The complete programs of "Across processes and machines" (the `js` blocks that import
 * `rxjs-pool/redis`), in order: the node-redis one, then the ioredis one.
 */
export function redisExamples(): string[] {
  const text = readme();
  const start = text.indexOf('## Across processes and machines');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .filter((code) => code.includes("from 'rxjs-pool/redis'"));
}
