/**
 * One section of the frame as a single <Text>: the lines arrive composed and coloured, so Ink has
 * one node to lay out instead of one per coloured piece (60-90 ms a frame that way, measured).
 * `memoKey` names everything the text depends on besides the layout and theme; while it is
 * unchanged the section is neither recomposed nor re-rendered.
 */
import { memo, useMemo } from 'react';
import { Text } from 'ink';
import type { FrameInput, FrameSection } from '../sections/shared.js';

export interface SectionProps {
  readonly frame: FrameInput;
  readonly memoKey: string;
}

/** A memoised component drawing one section of the frame (`memoKey` is the section's own, sections/*.ts). */
export function section(name: string, { lines: compose }: FrameSection) {
  function Composed({ frame, memoKey }: SectionProps) {
    // frame.session changes on every key; the key says when this section's text really changes.
    const text = useMemo(() => compose(frame).join('\n'), [memoKey, frame.layout, frame.theme, frame.store]);
    return text === '' ? null : <Text>{text}</Text>;
  }
  Composed.displayName = name;
  return memo(
    Composed,
    (a, b) => a.memoKey === b.memoKey && a.frame.layout === b.frame.layout && a.frame.theme === b.frame.theme && a.frame.store === b.frame.store,
  );
}
