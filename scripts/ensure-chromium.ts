/**
 * The e2e tests drive Debian's Chromium (Playwright's own browser download is not used). This makes
 * sure it is there: installs it with apt-get when running as root, else says the exact command.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './chromium.ts';

const chromium = CHROMIUM_PATH;
const INSTALL = 'apt-get update && apt-get install -y chromium';

if (!existsSync(chromium)) {
  if (process.getuid?.() === 0) {
    console.log(`Chromium is missing at ${chromium}; installing Debian's package: ${INSTALL}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  } else {
    console.error(
      `The e2e tests need Debian's Chromium at ${chromium}. Install it with:\n\n  sudo sh -c '${INSTALL}'\n\n` +
        'or point CHROMIUM_PATH at another Chromium build.',
    );
    process.exit(1);
  }
}
