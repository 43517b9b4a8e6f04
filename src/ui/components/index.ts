/** The component of each section of the frame, by the id frameSections() lists it under (frame.ts). */
import type { SectionId } from '../sections/shared.js';
import { AttributionView } from './AttributionView.js';
import { Banner } from './Banner.js';
import { CellDiagram } from './CellDiagram.js';
import { ExplainPanel } from './ExplainPanel.js';
import { Footer } from './Footer.js';
import { GuessStrip } from './GuessStrip.js';
import { HelpOverlay } from './HelpOverlay.js';
import { InputStrip } from './InputStrip.js';
import { MemoryView } from './MemoryView.js';
import { PanelGrid } from './PanelGrid.js';
import type { SectionProps } from './Section.js';
import { StatusBar } from './StatusBar.js';
import { Timeline } from './Timeline.js';
import { MatchView } from './MatchView.js';
import { TintView } from './TintView.js';
import { TooSmall } from './TooSmall.js';
import { TourPanel } from './TourPanel.js';

export const SECTION_COMPONENTS: Readonly<Record<SectionId, (props: SectionProps) => React.ReactNode>> = {
  tooSmall: TooSmall,
  status: StatusBar,
  banner: Banner,
  input: InputStrip,
  help: HelpOverlay,
  memory: MemoryView,
  attribution: AttributionView,
  diagram: CellDiagram,
  tint: TintView,
  match: MatchView,
  guesses: GuessStrip,
  grid: PanelGrid,
  explain: ExplainPanel,
  timeline: Timeline,
  footer: Footer,
  tour: TourPanel,
};
