// Scenario files: a JSON array of events, a JSON object `{ "events": [...] }`, or JSON Lines.
// Every event is validated; an error names the event index (and line, for JSON Lines) and field.
import { validateEvent, type Event } from '@bpfsim/events';

export interface Scenario { readonly name?: string; readonly seed?: number; readonly events: readonly Event[] }

export class ScenarioError extends Error {}

export function parseScenario(text: string, file = '<input>'): Scenario {
  const trimmed = text.trim();
  let raw: unknown[];
  let lines: number[] | undefined;
  let name: string | undefined, seed: number | undefined;
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !isJsonLines(trimmed))) {
    let doc: unknown;
    try { doc = JSON.parse(trimmed); } catch (e) { throw new ScenarioError(`${file}: not valid JSON: ${(e as Error).message}`); }
    if (Array.isArray(doc)) raw = doc;
    else if (doc && typeof doc === 'object' && Array.isArray((doc as { events?: unknown }).events)) {
      const d = doc as { events: unknown[]; name?: unknown; seed?: unknown };
      raw = d.events;
      if (typeof d.name === 'string') name = d.name;
      if (d.seed !== undefined) {
        if (typeof d.seed !== 'number' || !Number.isInteger(d.seed)) throw new ScenarioError(`${file}: seed: expected an integer`);
        seed = d.seed;
      }
    } else throw new ScenarioError(`${file}: expected an array of events or an object with "events"`);
  } else {
    raw = []; lines = [];
    const all = text.split('\n');
    for (let i = 0; i < all.length; i++) {
      const line = all[i].trim();
      if (line === '' || line.startsWith('//') || line.startsWith('#')) continue;
      try { raw.push(JSON.parse(line)); } catch (e) { throw new ScenarioError(`${file}:${i + 1}: event ${raw.length}: not valid JSON: ${(e as Error).message}`); }
      lines.push(i + 1);
    }
  }
  const events: Event[] = [];
  raw.forEach((e, i) => {
    const v = validateEvent(e);
    if (!v.ok) throw new ScenarioError(`${file}${lines ? `:${lines[i]}` : ''}: event ${i}: ${v.error.path ? `${v.error.path}: ` : ''}${v.error.message}`);
    events.push(v.event);
  });
  return { events, ...(name !== undefined ? { name } : {}), ...(seed !== undefined ? { seed } : {}) };
}

function isJsonLines(text: string): boolean {
  const first = text.split('\n', 1)[0].trim();
  try { JSON.parse(first); return text.includes('\n'); } catch { return false; }
}
