// docs/configuration.md is the one list of variables: every variable a service or a deploy file
// reads is in one of its tables, with the default the code or the file really has.
//
// A table of variables carries a marker naming whose variables it lists:
//
//   <!-- docs-check: variables of producer, consumer -->     the services' configuration schemas
//   <!-- docs-check: variables of swarm-stack.yml -->        a Compose or stack file, or scripts/swarm.sh
//   <!-- docs-check: variables of lab -->                    knobs of the test and lab scripts
//
// and a paragraph that states what a stack file sets, `NAME=value` in backticks, carries
// `<!-- docs-check: values of swarm-stack.yml -->`.
//
// A row names one or more variables in backticks in its first cell; its `default` cell must show
// each reader's default in backticks (or say "empty"/"unset" where there is none). A `service`
// column (producer, consumer, autoscaler; both: the first two; all) says which of the table's
// services a row is about.
import {
  DEPLOY_FILES,
  LAB,
  READ_BY_NODE,
  SERVICE_NAMES,
  composeEnvironment,
  deployVariables,
  envExample,
  fixedValues,
  isService,
  labVariable,
  serviceVariables,
} from './variables';
import type { Variable } from './variables';
import { pages } from './markdown';
import type { Table, TableRow } from './markdown';

/** Where each kind of variable is documented. */
const USER_PAGE = 'docs/configuration.md';
/** Test and lab knobs; they move to docs/development.md with the docs' restructuring (change this then). */
const LAB_KNOBS_PAGE = 'docs/configuration.md';

/** Addresses and ports inside the containers, which docker-compose.yml wires itself (configuration.md). */
const NOT_IN_COMPOSE = new Set(['PORT', 'HOST', 'STATUS_PORT', 'STATUS_HOST']);

const READERS = [...SERVICE_NAMES, ...DEPLOY_FILES, LAB];
const variablesOf = new Map<string, Variable[]>([
  ...SERVICE_NAMES.map((service) => [service, serviceVariables(service)] as const),
  ...DEPLOY_FILES.map((file) => [file, deployVariables(file)] as const),
]);

interface DocumentedRow {
  table: Table;
  row: TableRow;
  where: string;
  names: string[];
  /** The readers this row speaks for: the table's, narrowed by a `service` column. */
  readers: string[];
  defaultCell: string | undefined;
}

const NAME = /`([A-Z][A-Z0-9_]{1,})`/g;
const isVariableTable = (table: Table) =>
  table.header.some((cell) => cell.toLowerCase().startsWith('default')) &&
  table.rows.some((row) => /^`[A-Z][A-Z0-9_]+`/.test(row.cells[0] ?? ''));

const tables = pages.flatMap((page) => page.tables).filter(isVariableTable);
const readersOf = (table: Table) =>
  /^variables of (.+)$/
    .exec(table.marker?.text ?? '')?.[1]
    ?.split(',')
    .map((reader) => reader.trim()) ?? [];

const rows: DocumentedRow[] = tables.flatMap((table) => {
  const readers = readersOf(table);
  const serviceColumn = table.header.findIndex((cell) => cell.toLowerCase() === 'service');
  const defaultColumn = table.header.findIndex((cell) => cell.toLowerCase().startsWith('default'));
  return table.rows.map((row) => {
    const said = serviceColumn >= 0 ? (row.cells[serviceColumn] ?? '') : '';
    const words = said.split(/\W+/);
    const named = readers.filter(
      (reader) => words.includes(reader) || (words.includes('both') && ['producer', 'consumer'].includes(reader)),
    );
    return {
      table,
      row,
      where: `${table.page}:${String(row.line)}`,
      names: [...(row.cells[0] ?? '').matchAll(NAME)].map((match) => match[1] as string),
      readers: serviceColumn < 0 || words.includes('all') || named.length === 0 ? readers : named,
      defaultCell: row.cells[defaultColumn],
    };
  });
});

/** The variable as `reader` sees it, if it reads it. */
function lookup(reader: string, name: string): Variable | undefined {
  if (reader === LAB) return labVariable(name);
  return variablesOf.get(reader)?.find((variable) => variable.name === name);
}

it('every table of variables says whose variables it lists', () => {
  const problems = tables.flatMap((table) => {
    const readers = readersOf(table);
    if (readers.length === 0) {
      return [`${table.page}:${String(table.line)}: a table of variables without <!-- docs-check: variables of … -->`];
    }
    return readers
      .filter((reader) => !READERS.includes(reader))
      .map(
        (reader) => `${table.page}:${String(table.line)}: unknown reader "${reader}" (known: ${READERS.join(', ')})`,
      );
  });
  expect(problems).toEqual([]);
});

describe.each(READERS.filter((reader) => reader !== LAB))('the variables of %s', (reader) => {
  const variables = variablesOf.get(reader) ?? [];

  it('are each in one table row that lists them', () => {
    const problems = variables.flatMap((variable) => {
      // Passed on to a service under its own name: the service's row documents it.
      const documentedBy = variable.passedTo ? [reader, variable.passedTo] : [reader];
      const found = rows.filter(
        (row) => row.names.includes(variable.name) && row.readers.some((r) => documentedBy.includes(r)),
      );
      const own = found.filter((row) => row.readers.includes(reader));
      if (found.length === 0) return [`${variable.name} is in no table of ${reader}'s variables`];
      if (own.length > 1)
        return [`${variable.name} is listed ${String(own.length)} times: ${own.map((row) => row.where).join(', ')}`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  if (variables.some((variable) => variable.passedTo)) {
    it('pass each service variable on with the service default, or empty', () => {
      const problems = variables.flatMap((variable) => {
        if (!variable.passedTo || variable.default === undefined || variable.default === '') return [];
        const own = lookup(variable.passedTo, variable.name);
        return own?.default === variable.default
          ? []
          : [
              `${variable.name}: \${${variable.name}:-${variable.default}} in ${reader}; the ${variable.passedTo}'s default is ${own?.default ?? '(none)'}`,
            ];
      });
      expect(problems).toEqual([]);
    });
  }
});

it('every documented default is the default of the code and files that read the variable', () => {
  const problems = rows.flatMap((row) =>
    row.names.flatMap((name) => {
      const read = row.readers.map((reader) => lookup(reader, name)).filter((v): v is Variable => v !== undefined);
      if (read.length === 0) {
        if (READ_BY_NODE.has(name) && row.readers.some(isService)) return [];
        return [`${row.where}: ${name} is not read by ${row.readers.join(', ')} (a table of their variables)`];
      }
      const cell = row.defaultCell ?? '';
      return read.flatMap((variable) => {
        if (variable.default === undefined) return [];
        if (variable.default === '') {
          return /empty|unset|none/i.test(cell)
            ? []
            : [`${row.where}: ${name} has no default in ${variable.reader}; the page says ${cell}`];
        }
        return cell.includes(`\`${variable.default}\``)
          ? []
          : [`${row.where}: ${name} defaults to \`${variable.default}\` in ${variable.reader}; the page says ${cell}`];
      });
    }),
  );
  expect(problems).toEqual([]);
});

it(`user-facing variables are on ${USER_PAGE}, test and lab knobs on ${LAB_KNOBS_PAGE}`, () => {
  const problems = rows.flatMap((row) =>
    row.names.flatMap((name) => {
      const userFacing = row.readers.some((reader) => reader !== LAB && lookup(reader, name) !== undefined);
      const home = userFacing || READ_BY_NODE.has(name) ? USER_PAGE : LAB_KNOBS_PAGE;
      return row.table.page === home
        ? []
        : [`${row.where}: ${name} is ${userFacing ? 'user-facing' : 'a test or lab knob'}; its home is ${home}`];
    }),
  );
  expect(problems).toEqual([]);
});

describe('docker-compose.yml and .env.example', () => {
  const environment = composeEnvironment('docker-compose.yml');
  const example = envExample();
  const compose = variablesOf.get('docker-compose.yml') ?? [];

  it.each(SERVICE_NAMES.filter((service) => service in environment))(
    'pass every variable of the %s to it, and .env.example lists it with its default',
    (service) => {
      const problems = serviceVariables(service).flatMap((variable) => {
        if (NOT_IN_COMPOSE.has(variable.name)) return [];
        const found: string[] = [];
        if (!(variable.name in (environment[service] ?? {}))) {
          found.push(`${variable.name} is not passed to the ${service} in docker-compose.yml`);
        }
        const listed = example.get(variable.name);
        if (listed === undefined) found.push(`${variable.name} is not listed in .env.example`);
        else if (listed !== '' && listed !== variable.default) {
          found.push(`.env.example: ${variable.name}=${listed}; the ${service}'s default is ${variable.default ?? ''}`);
        }
        return found;
      });
      expect(problems).toEqual([]);
    },
  );

  it(".env.example lists Compose's own variables with their defaults", () => {
    const problems = compose.flatMap((variable) => {
      if (variable.passedTo) return [];
      const listed = example.get(variable.name);
      if (listed === undefined) return [`${variable.name} is not listed in .env.example`];
      return listed === (variable.default ?? '')
        ? []
        : [`.env.example: ${variable.name}=${listed}; docker-compose.yml says ${variable.default ?? ''}`];
    });
    expect(problems).toEqual([]);
  });
});

describe.each(
  pages.flatMap((page) =>
    page.lines.flatMap((line, index) => {
      const file = /^<!-- docs-check: values of (\S+) -->$/.exec(line.trim())?.[1];
      if (file === undefined) return [];
      const rest = page.lines.slice(index + 1);
      const start = rest.findIndex((text) => text.trim() !== '');
      const end = rest.findIndex((text, i) => i > start && text.trim() === '');
      return [[`${page.page}:${String(index + 1)}`, file, rest.slice(start, end < 0 ? undefined : end).join(' ')]];
    }),
  ),
)('the values %s states for %s', (_where, file, paragraph) => {
  it('are the ones the file sets, in every service that sets them', () => {
    const fixed = fixedValues(file);
    const stated = [...paragraph.matchAll(/`([A-Z][A-Z0-9_]*)=([^`]*)`/g)];
    const problems = stated.flatMap(([, name = '', value = '']) => {
      const set = [...(fixed.get(name) ?? [])];
      return set.length === 1 && set[0] === value
        ? []
        : [`${name}=${value}, but ${file} sets ${set.join(', ') || 'none'}`];
    });
    expect({ stated: stated.length, problems }).toEqual({ stated: expect.any(Number) as number, problems: [] });
    expect(stated.length).toBeGreaterThan(0);
  });
});
