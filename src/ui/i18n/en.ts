/** The learning screens in English. `{name}` slots in the tour are filled with real numbers. */
import type { Strings } from './strings.js';

export const EN: Strings = {
  lang: 'en',
  diagram: {
    title: 'cell diagram',
    unit: 'unit',
    step: 'step',
    close: 'd or Esc closes',
    legend: 'wires: ┄ near 0  ─ small  ━ large (|value|, c against its largest |c|)',
    legendColour: 'colour: gates 0…1 dark→bright · signed values blue < 0 < orange',
    nextStep: 'h and c go on to the next step',
    belt: 'cell state c: the conveyor belt',
    noSteps: 'no steps yet',
    notHeld: 'this step is not held (not computed yet, or dropped from the history)',
    outOfRange: (H) => `this network has ${H} units (0–${H - 1}): select one of them (↑/k)`,
    switchHint: 'c switches network',
  },
  explain: {
    forget: 'forget gate ',
    input: 'input gate  ',
    candidate: 'candidate   ',
    newCell: 'new cell    ',
    output: 'output gate ',
    kept: 'kept of the old cell',
    wrote: 'wrote',
    pre: 'pre-activations a = W_ih·x + W_hh·h_prev + b:',
    largest: 'largest W·x terms',
    reset: 'reset gate  ',
    update: 'update gate ',
    newState: 'new state   ',
    resetNote: 'how much of h_prev the candidate sees',
    updateNote: '1 keeps the old state, 0 takes the candidate',
    hidden: 'hidden      ',
    previous: 'previous    ',
    previousNote: (act) => `with no gate to protect it, the old state is squashed through W_hh and ${act} at every step`,
    preOne: 'pre-activation:',
    bias: 'bias',
    peephole: 'peephole',
  },
  tour: {
    tour: 'tour',
    lookLabel: 'look',
    tryLabel: 'try',
    footer: ['> next chapter', '< previous', 't close', '←/→ step', '↑/↓ unit', 'space play', '? help', 'q quit'],
    end: 'the end of the tour: < goes back, t closes the tour, q quits (gatescope learn 1 starts again)',
    times3: '× 3 each step',
    throughTanh: 'tanh(3 × h) each step',
    afterSteps: 'after step',
    sigmoidCaption: 'σ(a): 0 below −4, 1 above +4, 0.5 at 0',
    shut: 'shut',
    open: 'open',
    reachLstm: (steps, pred, target) => `LSTM: reaches back ${steps} steps; at the last step it reports ŷ ${pred} (the value was ${target})`,
    reachRnn: (steps, pred) => `RNN: reaches back ${steps} steps and reports ŷ ${pred}: it has forgotten`,
    storyMore: (a, b, n) => ` story lines ${a}–${b} of ${n}: ${b < n ? '] for more' : '[ back'}`,
    network: 'network',
    chapters: [
      {
        title: 'Why memory is short',
        text: [
          'A recurrent network reads a sequence one step at a time and passes its hidden state h on to the next step: that state is its memory. ' +
            'On this task it must say at the last step the value it was shown at step 1, {value}, after {distractors} random distractors.',
          'How much does the state now still depend on each earlier step? In a plain RNN every step multiplies that dependence by a factor below 1, ' +
            'so it shrinks exponentially: on this log scale, a straight line (vanishing gradients, hence short-term memory).',
        ],
        look: "the RNN's bars fall in a straight line and are gone after {rnnSpan} steps; the LSTM's reach back {lstmSpan} steps",
        tryKey: '←/→: step back and forth; at every step the RNN reaches back about the same few steps',
      },
      {
        title: 'An RNN step, and tanh',
        text: [
          "A plain RNN's step is one line: h = tanh(W·x + U·h_prev + b). The old state and the input are mixed by weights and squashed by tanh into −1…1.",
          "Why squash? Multiply a value by 3 at every step and it explodes; pass it through tanh each time and it stays bounded. The selected unit's real h_prev, {hPrev}, both ways:",
        ],
        look: 'the × 3 column leaves −1…1 within a few steps; the tanh column settles and stays inside',
        tryKey: '↑/↓: another unit (the table starts from its h_prev); →: the next step',
      },
      {
        title: 'Sigmoid: a soft switch',
        text: [
          'Gates use the sigmoid σ, which squashes any number into 0…1. A gate multiplies: 0 shuts (forget, block), 1 opens (keep, let through), 0.9 lets 90% through.',
          "The LSTM's four pre-activations a at this step (selected unit) and what σ (gates) and tanh (candidate) make of them:",
        ],
        look: 'a large negative a gives σ near 0, a large positive one σ near 1: a switch, but a soft one',
        tryKey: '→: the next step; watch each a slide along the curve',
      },
      {
        title: 'The forget gate',
        text: [
          'The LSTM keeps a second state, the cell c: the line along the top of the diagram, a conveyor belt changed only by a multiply and an add.',
          'The forget gate f = σ(W_f·[h_prev, x] + b_f) decides how much of the old cell stays: f·c_prev. Here f = {f}: of c_prev = {cPrev} it keeps {kept}.',
        ],
        look: 'the × on the top line: c_prev × f',
        tryKey: "space: play; unit {unit}'s f stays near 1 at every step, so its cell keeps step 1's value",
      },
      {
        title: 'The input gate and the candidate',
        text: [
          'What to write into the cell: the candidate g = tanh(W_g·[h_prev, x] + b_g), a new value in −1…1, and the input gate i = σ(W_i·[h_prev, x] + b_i) in 0…1, how much of it to write.',
          'The cell receives i·g = {i} × {g} = {ig}.',
        ],
        look: 'the × under the +: sigmoid × tanh',
        tryKey: 'g: step 1, where the marker opens the input gate and the value is written',
      },
      {
        title: 'The cell update',
        text: [
          'The new cell adds the two: c = f·c_prev + i·g = {kept} + {ig} = {c}.',
          'Only a multiply and an add: nothing squashes the cell on its way, so a value can ride the belt for {T} steps and the gradient back to step 1 does not vanish.',
        ],
        look: 'the + on the top line, and c at its right end',
        tryKey: '→: the next step; with f near 1 and i near 0, c barely moves',
      },
      {
        title: 'The output gate',
        text: [
          "What to show: h = o·tanh(c). tanh brings the cell into −1…1 and the output gate o = σ(W_o·[h_prev, x] + b_o) picks how much of it goes out as the hidden state (the prediction's input and the next step's h_prev).",
          'Here o = {o}, tanh(c) = {tanhC}, so h = {h}.',
        ],
        look: 'the tanh on the way out, then the × with o',
        tryKey: '↑/↓: another unit; a shut output gate hides a full cell',
      },
      {
        title: 'GRU: the reset and update gates',
        text: [
          'A GRU has no separate cell: h is both. The reset gate r sets how much of h_prev the candidate sees, n = tanh(W_n·x + r·(U_n·h_prev + b_n)); the update gate z mixes: h = (1−z)·n + z·h_prev, and z near 1 keeps the old state.',
          "This GRU was trained on the same task: unit {unit} holds step 1's value with z = {z}.",
        ],
        look: 'z·h_prev on the top line carries h through; (1−z)·n adds almost nothing',
        tryKey: 'space: play; z stays near 1 at every step',
      },
      {
        title: 'Now try your own model',
        text: ['Everything in this tour works on your own network and data:'],
        commands: [
          ['gatescope data.csv -w model.json', 'the viewer (PyTorch state_dict, safetensors, ONNX, Keras)'],
          ['  d  e  m  ?', 'this diagram · the equations in words · the memory view · every key'],
          ['gatescope data.csv -w m.json --diagram', 'open straight on the diagram'],
          ['gatescope train data.csv -o m.json --cell gru', 'train one yourself'],
          ['gatescope demo --list', 'the other demos (remember-gru: the GRU beside the LSTM)'],
        ],
        look: 'the same screens, with your numbers',
        tryKey: 'q: quit the tour (gatescope learn 1 starts it again)',
      },
    ],
  },
  help: null,
};
