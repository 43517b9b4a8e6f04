#!/usr/bin/env node
// Regenerates the generated parts of README.md from the code that owns them:
//   <!-- keys:start --> ... <!-- keys:end -->          the viewer's key table (src/ui/keymap.ts)
//   <!-- capture: ARGS --> ... <!-- capture:end -->    `gatescope ARGS` as plain text (a screen)
// Run after `npm run build`: node scripts/readme.mjs   (or: npm run readme). test/readme.test.ts
// (the key table) and test/build/readme-screens.test.ts (the screens) fail when either is stale.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { keyTableMarkdown } = await import(new URL('../dist/ui/keymap.js', import.meta.url).href);
const path = new URL('../README.md', import.meta.url);

/** What `gatescope ARGS` prints with stdout not a terminal (the plain-text view). */
export function capture(args) {
  const text = execFileSync(process.execPath, ['bin/gatescope.js', ...args.split(/\s+/)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return text.replace(/\s+$/, '');
}

const text = readFileSync(path, 'utf8');
const next = text
  .replace(/(<!-- keys:start -->\n)[\s\S]*?(<!-- keys:end -->)/, `$1${keyTableMarkdown()}\n$2`)
  .replace(/(<!-- capture: (.*?) -->\n)[\s\S]*?(<!-- capture:end -->)/g, (_, open, args, close) => `${open}\`\`\`\n${capture(args)}\n\`\`\`\n${close}`);
if (next === text) console.log('README.md is up to date');
else {
  writeFileSync(path, next);
  console.log('README.md generated sections rewritten');
}
