/**
 * The viewer over a corpus: the list of sequences (corpus-list.ts) until one is opened with Enter,
 * then the viewer (App) on that sequence, b back to the list with the selection kept. The list's
 * keys are the key table's own (↑/↓ and j/k move, PgUp/PgDn and J/K a page, g/G the ends, Enter
 * opens, q quits). The owner computes the summaries and opens a sequence as a filled TraceStore.
 */
import { Box, Text, useApp, useInput, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { TraceStore } from '../trace/trace-store.js';
import { App, useTerminalSize, type AppProps } from './App.js';
import { corpusListLines, listRows, scrolled, type CorpusListing, type ListView } from './corpus-list.js';
import { actionFor, keyPresses } from './keymap.js';
import { createTheme } from './theme.js';

/** The corpus as the viewer sees it: the listing (changing as summaries arrive) and how to open a sequence. */
export interface CorpusSource {
  listing(): CorpusListing;
  /** Calls back whenever the listing changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Sequence i as a trace, filled; rejects with a one-line message. */
  open(i: number): Promise<TraceStore>;
}

export interface CorpusAppProps extends Omit<AppProps, 'store' | 'onBack'> {
  readonly corpus: CorpusSource;
}

export function CorpusApp({ corpus, ...appProps }: CorpusAppProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const [, setVersion] = useState(0);
  useEffect(() => corpus.subscribe(() => setVersion((v) => v + 1)), [corpus]);
  const [view, setViewState] = useState<ListView>({ selected: 0, top: 0, note: null });
  // keys pressed faster than frames are drawn each see the last key's selection, not the last frame's
  const current = useRef(view);
  const setView = (f: (v: ListView) => ListView): void => {
    current.current = f(current.current);
    setViewState(current.current);
  };
  const [open, setOpen] = useState<TraceStore | null>(null);
  const [opening, setOpening] = useState(false);
  const theme = useMemo(() => createTheme(appProps.colorLevel, true), [appProps.colorLevel]);
  const listing = corpus.listing();
  const n = listing.entries.length;

  const onKeys = (input: string, key: Key): void => {
    for (const press of keyPresses({ input, ...key })) {
      const a = actionFor(press);
      if (a === null) continue;
      const page = listRows(size.rows);
      const at = current.current.selected;
      const move = (to: number): void => setView((v) => scrolled({ ...v, selected: Math.max(0, Math.min(n - 1, to)), note: null }, size.rows));
      if (a.type === 'unit') move(at + a.delta);
      else if (a.type === 'unitPage') move(at + a.delta * page);
      else if (a.type === 'step' && Math.abs(a.delta) >= 10) move(at + Math.sign(a.delta) * page);
      else if (a.type === 'first') move(0);
      else if (a.type === 'last') move(n - 1);
      else if (a.type === 'quit') exit();
      else if (a.type === 'enter' && !opening) {
        setOpening(true);
        setView((v) => ({ ...v, note: `opening ${listing.entries[v.selected]!.name} …` }));
        corpus.open(at).then(
          (store) => {
            setOpening(false);
            setView((v) => ({ ...v, note: null }));
            setOpen(store);
          },
          (err: unknown) => {
            setOpening(false);
            setView((v) => ({ ...v, note: err instanceof Error ? err.message : String(err) }));
          },
        );
      }
    }
  };
  useInput(onKeys, { isActive: open === null });

  if (open !== null) return <App {...appProps} store={open} onBack={() => setOpen(null)} />;
  const lines = corpusListLines(listing, view, size.cols, size.rows, theme);
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {l === '' ? ' ' : l}
        </Text>
      ))}
    </Box>
  );
}
