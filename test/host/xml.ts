// A strict little XML reader for the tests of the SVG and HTML the CLI writes: it throws on
// anything not well-formed (unbalanced or unclosed tags, unquoted or repeated attributes, a bare
// `<` or `&`, unknown entities) and returns the element tree to query. Enough for our own output;
// not a general XML parser (no DTD internals, no CDATA, no namespaces beyond keeping the names).

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded, children's text excluded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

function decode(raw: string, at: number): string {
  if (raw.includes('<')) throw new SyntaxError(`bare '<' in text or attribute near offset ${at}`);
  return raw.replace(/&([^;\s&]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new SyntaxError(`bare '&' near offset ${at}: ${JSON.stringify(whole)}`);
    if (name in ENTITIES) return ENTITIES[name]!;
    const code = /^#x([0-9a-f]+)$/i.exec(name)?.[1] ?? /^#(\d+)$/.exec(name)?.[1];
    if (code === undefined) throw new SyntaxError(`unknown entity &${name}; near offset ${at}`);
    return String.fromCodePoint(name.startsWith('#x') ? parseInt(code, 16) : Number(code));
  });
}

/** Parses one document (an optional `<?xml …?>` and `<!DOCTYPE …>` first) and returns its root. */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const skipProlog = () => {
    for (;;) {
      while (/\s/.test(source[i] ?? '')) i++;
      if (source.startsWith('<?', i)) i = source.indexOf('?>', i) + 2;
      else if (/^<!doctype/i.test(source.slice(i, i + 9))) i = source.indexOf('>', i) + 1;
      else if (source.startsWith('<!--', i)) i = source.indexOf('-->', i) + 3;
      else return;
      if (i <= 1) throw new SyntaxError('unterminated prolog');
    }
  };
  skipProlog();
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const text = source.slice(i, lt < 0 ? source.length : lt);
    if (stack.length) stack[stack.length - 1]!.text += decode(text, i);
    else if (text.trim()) throw new SyntaxError(`text outside the root element at offset ${i}`);
    if (lt < 0) break;
    i = lt;
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i);
      if (end < 0) throw new SyntaxError(`unterminated comment at offset ${i}`);
      i = end + 3;
      continue;
    }
    if (source[i + 1] === '/') {
      const name = NAME.exec(source.slice(i + 2))?.[0];
      const open = stack.pop();
      if (!name || !open || open.name !== name)
        throw new SyntaxError(`</${name}> at offset ${i} closes ${open ? `<${open.name}>` : 'nothing'}`);
      i += 2 + name.length;
      while (/\s/.test(source[i] ?? '')) i++;
      if (source[i] !== '>') throw new SyntaxError(`malformed end tag </${name} at offset ${i}`);
      i++;
      continue;
    }
    const name = NAME.exec(source.slice(i + 1))?.[0];
    if (!name) throw new SyntaxError(`bad tag name at offset ${i}`);
    if (root && !stack.length) throw new SyntaxError(`a second root element <${name}> at offset ${i}`);
    i += 1 + name.length;
    const element: XmlElement = { name, attrs: {}, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    for (;;) {
      const space = /^\s*/.exec(source.slice(i))![0].length;
      i += space;
      if (source.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (source[i] === '>') {
        i++;
        stack.push(element);
        break;
      }
      if (!space) throw new SyntaxError(`no space before an attribute of <${name}> at offset ${i}`);
      const attr = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(source.slice(i));
      if (!attr)
        throw new SyntaxError(
          `malformed attribute in <${name}> at offset ${i}: ${JSON.stringify(source.slice(i, i + 30))}`,
        );
      if (attr[1]! in element.attrs) throw new SyntaxError(`attribute ${attr[1]} repeated in <${name}> at offset ${i}`);
      element.attrs[attr[1]!] = decode(attr[3] ?? attr[4]!, i);
      i += attr[0].length;
    }
  }
  if (stack.length) throw new SyntaxError(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new SyntaxError('no root element');
  return root;
}

/** Every element under (and including) `root`, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** All text under `root`, children included. */
export function allText(root: XmlElement): string {
  return root.text + root.children.map(allText).join(' ');
}
