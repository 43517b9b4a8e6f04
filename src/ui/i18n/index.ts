/** The learning screens' words by language. */
import { EN } from './en.js';
import { KO } from './ko.js';
import type { Lang, Strings } from './strings.js';

export { LANGS, langFromEnv, type Lang, type Strings } from './strings.js';

export function stringsFor(lang: Lang = 'en'): Strings {
  return lang === 'ko' ? KO : EN;
}

/** Fills `{name}` slots; a slot with no value stays visible rather than vanishing. */
export function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (all, name: string) => (values[name] !== undefined ? String(values[name]) : all));
}
