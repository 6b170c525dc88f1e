/**
 * How a received value is shown in a validation message, p-map style: `` got `0` (number) ``,
 * `` got `'2'` (string) ``.
 *
 * @internal
 */
export function received(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? `'${value}'` : String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return `got \`${shown}\` (${value === null ? 'null' : typeof value})`;
}
