/**
 * Node module customization hooks (module.register): when Ink, or widest-line for Ink, imports
 * @alcalzone/ansi-tokenize or string-width, hand it our fast-path modules instead. Anything else
 * (including those modules importing the originals) resolves as usual.
 */
interface ResolveContext {
  readonly parentURL?: string | undefined;
}
interface ResolveResult {
  readonly url: string;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;

const INK = /\/node_modules\/(ink|widest-line)\//;
const REPLACEMENTS: Readonly<Record<string, string>> = {
  '@alcalzone/ansi-tokenize': new URL('./ansi-tokenize.js', import.meta.url).href,
  'string-width': new URL('./string-width.js', import.meta.url).href,
};

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  const replacement = REPLACEMENTS[specifier];
  if (replacement !== undefined && context.parentURL !== undefined && INK.test(context.parentURL)) {
    return { url: replacement, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
