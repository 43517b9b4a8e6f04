/**
 * The App rendered in process (ink-testing-library) for the UI tests: keys written one event at a
 * time as a terminal delivers them, the screen without colours, and every app a test mounted
 * unmounted after it.
 */
import { render } from 'ink-testing-library';
import { afterEach } from 'vitest';
import { App, type AppProps } from '../../src/ui/App.js';
import { stripAnsi } from './ansi.js';

export type MountedApp = ReturnType<typeof render> & {
  /** The last frame, colours stripped. */
  screen(): string;
  /** Writes keys one event at a time, letting Ink handle each. */
  press(...keys: string[]): Promise<void>;
};

/** Call at a test file's top level: registers the afterEach that unmounts what the tests mounted. */
export function appHarness(): (props: AppProps) => MountedApp {
  const mounted: (() => void)[] = [];
  afterEach(() => {
    for (const unmount of mounted.splice(0)) unmount();
  });
  return (props) => {
    const r = render(<App {...props} />);
    mounted.push(() => r.unmount());
    const screen = (): string => stripAnsi(r.lastFrame() ?? '');
    const press = async (...keys: string[]): Promise<void> => {
      for (const k of keys) {
        r.stdin.write(k);
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    return Object.assign(r, { screen, press });
  };
}
