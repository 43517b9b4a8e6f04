#!/usr/bin/env node
// Regenerates the generated parts of README.md from the code that owns them:
//   <!-- keys:start --> ... <!-- keys:end -->   the viewer's key table (src/ui/keymap.ts)
// Run after `npm run build`: node scripts/readme.mjs   (or: npm run readme)
import { readFileSync, writeFileSync } from 'node:fs';

const { keyTableMarkdown } = await import(new URL('../dist/ui/keymap.js', import.meta.url).href);
const path = new URL('../README.md', import.meta.url);
const text = readFileSync(path, 'utf8');
const next = text.replace(/(<!-- keys:start -->\n)[\s\S]*?(<!-- keys:end -->)/, `$1${keyTableMarkdown()}\n$2`);
if (next === text) console.log('README.md key table is up to date');
else {
  writeFileSync(path, next);
  console.log('README.md key table regenerated');
}
