/** Stands in for string-width inside Ink and widest-line (see hooks.ts). */
import original from 'string-width';
import { createFastStringWidth } from './text-fast-path.js';

const stringWidth = createFastStringWidth(original as (text: string, options?: object) => number);
export default stringWidth;
