import { parse } from 'svelte/compiler';

/**
 * Finds words written out in a screen's source instead of coming from the
 * message files. Used by the message tests only (it needs Svelte's compiler):
 * each file is parsed with Svelte's own parser, not matched with patterns, so
 * a text is found wherever it sits.
 */

/** Attributes a person sees or hears (screen readers read labels and titles). */
const SHOWN_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'aria-placeholder', 'title', 'placeholder', 'alt', 'label', 'data-label']);
/** Attributes that hold codes, addresses and styling, never words for a reader (a class list reads like words: 'button secondary'). */
const CODE_ATTRIBUTES = new Set(['class', 'style', 'href', 'src', 'id', 'for', 'type', 'role', 'name', 'value', 'autocomplete', 'inputmode', 'accept', 'capture', 'rel', 'target', 'download']);
/** Key names compared against in keyboard handlers: code, not text. */
const KEY_NAMES = new Set(['Enter', 'Escape', 'ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Tab', 'Home', 'End']);
/** Names that are the same in every language: the product, file kinds and code systems shown beside a code. */
const NAMES = ['Outpost', 'PDF', 'IMG', 'CVX', 'LOINC', 'ICD-10-CM'];
const withoutNames = (s: string) => NAMES.reduce((t, name) => t.replaceAll(name, ''), s);

/** Sentence-like English in a string of code: two words or more ("Choose a time."), or one capitalised word ("Patient", "Cancelled"). */
function looksLikeText(s: string): boolean {
  const t = withoutNames(s).trim();
  if (KEY_NAMES.has(t)) return false;
  return /[A-Za-z]{2,}[ ,.:;!?…]+[A-Za-z]{2,}/.test(t) && /\s/.test(t) ? true : /^[A-Z][a-z]{2,}[.…!?:]?$/.test(t);
}
const hasWords = (s: string) => /[A-Za-z]{2,}/.test(withoutNames(s));

type AstNode = { type?: string; [key: string]: unknown };

/**
 * Hard-coded words in a Svelte component (or a TypeScript module, read as a
 * component's script): text between tags, shown attributes written out, and
 * string literals in script and markup expressions that read as words. Not
 * counted: imports, what goes only to the console (reportError, console.*),
 * comments and styles, values compared with (=== 'oral suspension', case
 * 'draft':), the keys of an object (a stored English value mapped to its
 * message) and code attributes (class, href).
 */
export function hardCodedTexts(source: string, file = 'component.svelte'): string[] {
  const code = file.endsWith('.ts') ? `<script lang="ts">\n${source}\n</script>` : source;
  const ast = parse(code, { modern: true }) as unknown as AstNode;
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as AstNode;
    switch (n.type) {
      case 'ImportDeclaration':
      case 'Comment':
      case 'StyleSheet':
      case 'StyleDirective':
      case 'ClassDirective':
        return;
      case 'SwitchCase':
        // case 'oral suspension': a stored code, compared, not shown.
        walk(n.consequent);
        return;
      case 'Property':
        // { 'Office visit': m.chart_visit_type_office }: the key is the stored value, the message is what shows.
        if (n.computed) walk(n.key);
        walk(n.value);
        return;
      case 'BinaryExpression':
        if (['===', '!==', '==', '!='].includes(String(n.operator))) {
          for (const side of [n.left, n.right] as AstNode[]) if (side?.type !== 'Literal') walk(side);
          return;
        }
        break;
      case 'CallExpression': {
        const callee = n.callee as AstNode;
        const obj = callee.type === 'MemberExpression' ? (callee.object as AstNode) : null;
        if ((callee.type === 'Identifier' && callee.name === 'reportError') || (obj?.type === 'Identifier' && obj.name === 'console')) return;
        break;
      }
      case 'Text':
        if (hasWords(String(n.data))) found.push(String(n.data).trim());
        return;
      case 'Attribute': {
        const name = String(n.name);
        if (CODE_ATTRIBUTES.has(name) || (name.startsWith('data-') && !SHOWN_ATTRIBUTES.has(name))) return;
        const parts = Array.isArray(n.value) ? (n.value as AstNode[]) : [n.value as AstNode];
        for (const part of parts) {
          if (part?.type === 'Text') {
            if (SHOWN_ATTRIBUTES.has(name) && hasWords(String(part.data))) found.push(`${name}="${String(part.data)}"`);
          } else walk(part);
        }
        return;
      }
      case 'Literal':
        if (typeof n.value === 'string' && looksLikeText(n.value)) found.push(n.value);
        return;
      case 'TemplateLiteral': {
        const words = (n.quasis as AstNode[]).map((q) => String((q.value as { cooked: string }).cooked)).join(' ');
        if (looksLikeText(words)) found.push(words);
        break;
      }
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'css' && key !== 'comments' && key !== 'leadingComments' && key !== 'trailingComments') walk(value);
    }
  };
  walk(ast);
  return found;
}
