import type { Application } from '../directory/directory.js';
import { graphErrors } from './graph-error.js';

/** The query options the emulator understands on `/applications`; any other is refused, never ignored. */
export interface ApplicationQuery {
  filter: (application: Application) => boolean;
  select: string[] | undefined;
  top: number;
  offset: number;
}

export const APPLICATION_PROPERTIES = [
  'id',
  'appId',
  'displayName',
  'createdDateTime',
  'deletedDateTime',
  'signInAudience',
  'keyCredentials',
  'passwordCredentials',
] as const;

const DEFAULT_PAGE_SIZE = 100;
const EQ_PROPERTIES = new Set(['appId', 'displayName', 'id']);
const SUPPORTED = new Set(['$filter', '$select', '$top', '$skiptoken']);
/** `property eq 'value'` or `startswith(property,'value')`; `''` is an escaped quote. */
const CLAUSE = /^\s*(?:(\w+)\s+eq\s+'((?:[^']|'')*)'|startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\))\s*/i;

export function parseApplicationQuery(params: URLSearchParams): ApplicationQuery {
  for (const name of params.keys()) {
    if (name.startsWith('$') && !SUPPORTED.has(name.toLowerCase())) {
      throw graphErrors.unsupportedQuery(`Query option '${name}' is not implemented by the Entra emulator.`);
    }
  }
  return {
    filter: parseFilter(params.get('$filter')),
    select: parseSelect(params.get('$select')),
    top: parseTop(params.get('$top')),
    offset: parseSkipToken(params.get('$skiptoken') ?? params.get('$skipToken')),
  };
}

export function parseSelect(value: string | null): string[] | undefined {
  if (value === null) return undefined;
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(APPLICATION_PROPERTIES as readonly string[]).includes(name)) {
      throw graphErrors.badRequest(
        `Parsing OData Select and Expand failed: Could not find a property named '${name}' on type 'microsoft.graph.application'.`,
      );
    }
  }
  return names;
}

function parseTop(value: string | null): number {
  if (value === null) return DEFAULT_PAGE_SIZE;
  const top = Number(value);
  if (!Number.isInteger(top) || top < 1 || top > 999)
    throw graphErrors.badRequest(`Invalid page size specified: '${value}'. Must be between 1 and 999 inclusive.`);
  return top;
}

export function skipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function parseSkipToken(value: string | null): number {
  if (value === null) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Reported below.
  }
  throw graphErrors.badRequest('The specified page token value has expired or is invalid.');
}

/** Clauses joined by `and`; comparisons ignore case, as Graph's do on directory objects. */
function parseFilter(value: string | null): (application: Application) => boolean {
  if (value === null) return () => true;
  const tests: ((application: Application) => boolean)[] = [];
  let rest = value;
  for (;;) {
    const clause = CLAUSE.exec(rest);
    if (!clause)
      throw graphErrors.badRequest(
        `Invalid filter clause: the emulator supports "property eq 'value'" and "startswith(displayName,'value')" joined by 'and'.`,
      );
    const [matched, eqProperty, eqValue, swProperty, swValue] = clause;
    if (eqProperty !== undefined) {
      if (!EQ_PROPERTIES.has(eqProperty)) throw unsupportedProperty(eqProperty);
      const wanted = unquote(eqValue!).toLowerCase();
      tests.push((application) => String(application[eqProperty as 'appId']).toLowerCase() === wanted);
    } else {
      if (swProperty !== 'displayName') throw unsupportedProperty(swProperty!);
      const prefix = unquote(swValue!).toLowerCase();
      tests.push((application) => application.displayName.toLowerCase().startsWith(prefix));
    }
    rest = rest.slice(matched.length);
    if (rest === '') break;
    const and = /^and\s+/i.exec(rest);
    if (!and) throw graphErrors.badRequest(`Invalid filter clause near '${rest}'.`);
    rest = rest.slice(and[0].length);
  }
  return (application) => tests.every((test) => test(application));
}

function unquote(value: string): string {
  return value.replace(/''/g, "'");
}

function unsupportedProperty(name: string) {
  return graphErrors.unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${name}' of resource 'Application'.`);
}
