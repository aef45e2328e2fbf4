// The graph of a flow: the ways out of each node, and the flow drawn as a Mermaid flowchart.
import type { Exit, Flow, FlowNode, PromptItem } from './types.ts';

/**
 * The ways out of a node, in a fixed order: menu keys or branch cases as written, then the outcomes as listed per
 * kind.
 */
export function exits(node: FlowNode): Exit[] {
  const out = (label: string, to: string | null): Exit[] => (to === null ? [] : [{ label, to }]);
  switch (node.kind) {
    case 'play':
    case 'say':
    case 'record':
    case 'ticket':
    case 'set':
      return out('next', node.next);
    case 'menu':
      return [
        ...node.keys.map(({ key, next }) => ({ label: key, to: next })),
        ...out('fallback', node.fallback),
      ];
    case 'branch':
      return [
        ...node.cases.map(({ value, next }) => ({ label: value, to: next })),
        ...out('default', node.default),
      ];
    case 'gather':
      return [...out('next', node.next), ...out('fallback', node.fallback)];
    case 'identify':
      return [
        ...out('identified', node.identified),
        ...out('several_units', node.severalUnits),
        ...out('unverified', node.unverified),
      ];
    case 'lookup':
      return [...out('found', node.found), ...out('not_found', node.notFound)];
    case 'hours':
      return [...out('open', node.open), ...out('closed', node.closed), ...out('holiday', node.holiday)];
    case 'queue':
      return out('overflow', node.overflow);
    case 'goto':
      return out('next', node.node);
    case 'hangup':
      return [];
    case 'outcome':
      return [...out('next', node.next), ...out('invalid', node.invalid)];
  }
}

const BRANCHING = new Set<FlowNode['kind']>(['menu', 'branch', 'gather', 'identify', 'lookup', 'hours']);
const FINAL = new Set<FlowNode['kind']>(['queue', 'hangup']);
const DETAIL_MAX = 48;

/**
 * A Mermaid `flowchart TD`: one box per node in file order (id, kind and a short detail: the prompts, the
 * skill, ...), then the edges node by node, labelled with the key, the case or the outcome; plain `next` edges
 * carry no label. Decisions are diamonds, queue and hang-up are rounded; the start node has a thick border.
 */
export function toMermaid(flow: Flow): string {
  const ids = mermaidIds([...flow.nodes.keys()]);
  const lines = ['flowchart TD'];
  for (const node of flow.nodes.values()) {
    const detail = shorten(detailOf(node));
    const label = `${escape(node.id)}<br/>${escape(detail ? `${node.kind}: ${detail}` : node.kind)}`;
    const [open, close] = BRANCHING.has(node.kind)
      ? ['{', '}']
      : FINAL.has(node.kind)
        ? ['([', '])']
        : ['[', ']'];
    lines.push(`  ${ids.get(node.id)}${open}"${label}"${close}`);
  }
  for (const node of flow.nodes.values()) {
    for (const exit of exits(node)) {
      const to = ids.get(exit.to);
      if (to === undefined) continue; // a broken flow: the loader has reported it
      // a branch case may be the value `next`: it keeps its label
      const plain = exit.label === 'next' && node.kind !== 'branch';
      const arrow = plain ? '-->' : `-->|"${escape(exit.label)}"|`;
      lines.push(`  ${ids.get(node.id)} ${arrow} ${to}`);
    }
  }
  const start = ids.get(flow.start);
  if (start !== undefined) lines.push(`  style ${start} stroke-width:3px`);
  return lines.join('\n') + '\n';
}

/** Mermaid ids: the node id with `-` as `_`, made unique, never Mermaid's keyword `end`. */
function mermaidIds(nodeIds: string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of nodeIds) {
    const base = id.replace(/[^A-Za-z0-9_]/g, '_');
    let candidate = base.toLowerCase() === 'end' ? `${base}_` : base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    ids.set(id, candidate);
  }
  return ids;
}

function detailOf(node: FlowNode): string {
  switch (node.kind) {
    case 'play':
      return promptsText(node.prompts);
    case 'say':
      return `${node.say} ${node.value}`;
    case 'menu':
    case 'hangup':
      return promptsText(node.prompt);
    case 'gather':
      return `${node.minDigits}-${node.maxDigits} digits into ${node.into}`;
    case 'identify':
      return node.by.join(' + ');
    case 'lookup':
      return `${node.what} into ${node.into}`;
    case 'hours':
      return node.estate ?? '';
    case 'record':
      return `max ${node.maxS} s into ${node.into}`;
    case 'ticket':
      return node.category === null ? node.type : `${node.type} / ${node.category}`;
    case 'queue':
      return `${node.skill}, ${node.priority}`;
    case 'set':
      return node.variables.map((v) => `${v.name} = ${v.value}`).join(', ');
    case 'branch':
      return node.value;
    case 'goto':
      return '';
    case 'outcome':
      return node.value === null ? node.outcome : `${node.outcome} ${node.value}`;
  }
}

function promptsText(items: PromptItem[]): string {
  return items.map((item) => ('prompt' in item ? item.prompt : `say ${item.say} ${item.value}`)).join(', ');
}

function shorten(text: string): string {
  return text.length <= DETAIL_MAX ? text : `${text.slice(0, DETAIL_MAX - 1)}…`;
}

/** Mermaid entity codes for the characters that would end or confuse a quoted label. */
function escape(text: string): string {
  return text.replace(/[#"<>]/g, (c) => `#${c.charCodeAt(0)};`);
}
