#!/usr/bin/env node
// Writes docs/demos.md: a text capture of each bundled demo in the viewer, made by running the
// built CLI exactly as a user would (stdout not a terminal, so the plain-text view), with a
// caption of what to look at. Deterministic: the same build and fixtures give the same file.
// Run after `npm run build`: node scripts/demo-docs.mjs
import { writeFileSync, mkdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';

const { main } = await import(new URL('../dist/cli/main.js', import.meta.url).href);
const root = new URL('..', import.meta.url);

/** Runs `gatescope ARGS` in-process with a non-terminal stdout and returns what it printed. */
async function capture(args) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  stdin.end();
  const code = await main(args, { stdin, stdout, stderr, env: {}, cwd: root.pathname, stdinHasData: false });
  if (code !== 0) throw new Error(`gatescope ${args.join(' ')} exited ${code}: ${err}`);
  return out.replace(/\s+$/, '');
}

const sections = [
  {
    title: 'remember: an LSTM remembers, a plain RNN forgets',
    args: ['demo', 'remember', '--width', '150'],
    shown: 'gatescope demo remember --width 150',
    caption: [
      'What `gatescope` opens with no arguments (shown here at its last step; in the viewer press End). Step 1 showed a value (0.893)',
      'with the marker set; 49 distractor values follow, and at the end the network must report the first value.',
      'The LSTM (left) does: its head says ŷ 0.8902 in the status line. The RNN of the same size (right, trained the same way) says',
      '0.0166, about the mean of all values: it has forgotten.',
      '',
      "Look at unit 2 (selected, ▸): its **forget gate f stays between 0.87 and 0.99 at every step** (the timeline under the panels is",
      'f, one row per unit, one column per step; row 2 stays bright), so what the input gate wrote into its **cell c at step 1 is',
      'multiplied by about 0.93 per step instead of being overwritten**: 0.93^49 ≈ 3% of it is still there at step 50, close to the',
      '3.7% that the memory measure gives for step 1 (‖∂h₅₀/∂x₁‖ over ‖∂h₅₀/∂x₅₀‖; the RNN: 6·10⁻⁸). The RNN has no cell and no',
      "gate: each step's h is a squashed mix of the last h and the new input,",
      'so the trace of step 1 shrinks by a constant factor per step and **washes out within a dozen steps**.',
    ],
  },
  {
    title: 'remember: the memory view (m)',
    args: ['demo', 'remember', '--memory', '--width', '120'],
    shown: 'gatescope demo remember --memory --width 120',
    caption: [
      'Press `m` in the viewer. For the hidden state h at the current step, one bar per earlier step t of ‖∂h/∂x_t‖ (how much the',
      'input at step t still moves h now), ‖∂h/∂h_t‖ and, for the LSTM, ‖∂h/∂c_t‖, exact by backpropagation, on a **log scale**:',
      'exponential forgetting is a straight slope, and both networks share each scale so their bars compare directly.',
      '',
      "The **RNN's bars fall in a straight line**: every step back divides the sensitivity by the same factor, down to 10⁻⁸ at",
      'step 1; it **reaches back 14 steps** (to 1% of the latest step\'s figure). The **LSTM reaches back all 49 steps**: its x bars',
      'stay high across the whole sequence and rise again at step 1, the marked value it was trained to keep, carried by the cell',
      '(∂h/∂c stays within a few decades). The dotted line ┄ is 1% of the latest x: bars above it still count as remembered.',
    ],
  },
  {
    title: 'brackets: a unit that counts',
    args: ['demo', 'brackets', '--step', '36', '--width', '150'],
    shown: 'gatescope demo brackets --step 36 --width 150',
    caption: [
      "A character-level LSTM predicting the next character of nested brackets; each step is one character (the row under the",
      "timeline's axis). After a `)` only the nesting depth says whether the expression is closed and a `.` comes next, so the",
      'network has to count. The demo opens on **unit 15 with its h in the timeline**: look at its row of the heatmap and the',
      'sparkline under it (u15): **high while brackets are open, low at the top level** between expressions, rising and falling',
      'with the depth (its cell c follows the depth with a correlation of 0.97). At step 36 the depth is 5 and h₁₅ is +0.98,',
      'saturated (◆). This is the classic char-rnn finding (Karpathy et al., 2015), here in a 16-unit network trained by gatescope.',
      '',
      'Under the input, the **top guesses of every step** in the same spirit: the row `read` is the text, and each row under it the',
      "guess of that rank after each character, brighter when surer; at the left the current step's guesses with their",
      'probabilities. The status line says what the head **predicts** (`predicts “)” (p 0.50)`) and the **actual** next character,',
      'with ✓ or ✗. Read the rank-1 row under each `)`: where it closes the last open bracket (depth 0) the top guess is `.`',
      '(8 of the 9 times in this sequence), and under the 38 `)` that leave brackets open it never is: the count is in the guesses.',
    ],
  },
  {
    title: 'the guided tour, chapter 1: why memory is short',
    args: ['learn', '1', '--width', '100'],
    shown: 'gatescope learn 1 --width 100',
    caption: [
      '`gatescope learn` walks the LSTM story in nine chapters on the remember demo (an LSTM, its RNN twin and a GRU trained on',
      'the same data), each a screen with one thing to look at and a key to try; `>` and `<` move between chapters, `t` closes the',
      'tour, and `gatescope learn N` opens chapter N. Every number is the engine’s, at the step and unit selected: step or pick',
      'another unit and they change. Chapter 1 is the memory view: the RNN’s dependence on earlier steps falls in a straight line.',
    ],
  },
  {
    title: 'the guided tour, chapter 4: the forget gate',
    args: ['learn', '4', '--width', '80'],
    shown: 'gatescope learn 4 --width 80',
    caption: ['At 80 columns: the story above the cell diagram of unit 2 at step 20, f·c_prev on the conveyor belt.'],
  },
  {
    title: 'the guided tour, chapter 8: the GRU’s update gate holds the value',
    args: ['learn', '8', '--width', '100'],
    shown: 'gatescope learn 8 --width 100',
    caption: ['The GRU trained on remember (c cycles LSTM → RNN → GRU in the viewer): z near 1 keeps h_prev, so h = (1−z)·n + z·h_prev carries step 1’s value.'],
  },
  {
    title: 'the tour in Korean',
    args: ['learn', '5', '--lang', 'ko', '--width', '80'],
    shown: 'gatescope learn 5 --lang ko --width 80',
    caption: ['`--lang ko` (or LANG=ko_KR.UTF-8): the tour, the explain panel, the help and the diagram labels in Korean, wide characters measured.'],
  },
  {
    title: 'sine: memory that fades evenly',
    args: ['demo', 'sine', '--memory', '--step', '120', '--width', '120'],
    shown: 'gatescope demo sine --memory --step 120 --width 120',
    caption: [
      'Next-value prediction on a noisy sine wave. For this task the recent past is all that matters, and the memory view shows',
      'it: the bars fall in **straight lines**, exponential forgetting, reaching back about 9 steps. Open it live with',
      '`gatescope demo sine --live` (10 steps a second, `--rate` to change): steps arrive like a sensor stream and the view follows',
      'the newest one.',
    ],
  },
];

let md = `# The bundled demos

Small networks trained by gatescope's own trainer (\`fixtures/demos\`, made by \`npm run demos\`), opened in the viewer
with \`gatescope demo NAME\`; \`gatescope\` alone opens \`remember\`, and \`gatescope demo --list\` says what each is.
The captures below are the viewer's plain-text view (what it prints when stdout is not a terminal), written by
\`scripts/demo-docs.mjs\` from the commands shown. In a terminal the same screens are in colour and move.

`;
for (const s of sections) {
  const text = await capture(s.args);
  md += `## ${s.title}\n\n\`\`\`\n$ ${s.shown}\n${text}\n\`\`\`\n\n${s.caption.join('\n')}\n\n`;
}
const list = await capture(['demo', '--list']);
md += `## All demos\n\n\`\`\`\n$ gatescope demo --list\n${list}\n\`\`\`\n`;

mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
writeFileSync(new URL('../docs/demos.md', import.meta.url), md);
console.log('docs/demos.md written');
