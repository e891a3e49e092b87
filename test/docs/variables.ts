// Who reads which environment variable, and with which default: the services' configuration
// schemas (parsed, not read as text), the Compose and stack files' `${VAR:-default}`, the deploy
// script, and the test and lab scripts (knobs of the checks, documented for developers).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type * as z from 'zod';
import { AutoscalerEnvSchema, parseAutoscalerConfig } from '../../autoscaler/src/config';
import { ConsumerEnvSchema, parseConsumerConfig } from '../../consumer/src/config';
import { ProducerEnvSchema } from '../../producer/src/config';
import { ROOT } from '../support/service-process';

/**
 * A variable as one reader sees it. `default`: the value it takes when unset ('' for none of its
 * own); undefined when the reader computes it at run time (a shell command), so no page can state it.
 */
export interface Variable {
  name: string;
  reader: string;
  default: string | undefined;
  /** In a Compose or stack file: passed on under its own name to this service, whose table documents it. */
  passedTo?: ServiceName | undefined;
}

/** The services, their schemas, and how each default that depends on other variables comes out with none set. */
const SERVICES = {
  producer: { schema: ProducerEnvSchema, derived: {} },
  consumer: {
    schema: ConsumerEnvSchema,
    derived: {
      REQUEST_TIMEOUT_MS: () => parseConsumerConfig({}).requestTimeoutMs,
      BREAKER_RESET_MS: () => parseConsumerConfig({}).breakerResetMs,
    },
  },
  autoscaler: {
    schema: AutoscalerEnvSchema,
    derived: { PROMETHEUS_TIMEOUT_MS: () => parseAutoscalerConfig({}).prometheusTimeoutMs },
  },
} satisfies Record<string, { schema: z.ZodObject; derived: Record<string, () => number> }>;

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
export const isService = (reader: string): reader is ServiceName => reader in SERVICES;

/** Files whose `${VAR:-default}` a user sets from the shell (or `.env`, for Compose). */
export const DEPLOY_FILES = ['docker-compose.yml', 'swarm-stack.yml', 'swarm-autoscale.yml', 'scripts/swarm.sh'];

/** Where the test and lab scripts live: their `${VAR:-default}` are knobs for developers. */
const LAB_FOLDERS = ['test', '.ci', 'bench'];
export const LAB = 'lab';

/** Read by Node itself, not by our schemas. */
export const READ_BY_NODE = new Set(['NODE_OPTIONS']);

const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');

export function serviceVariables(service: ServiceName): Variable[] {
  const { schema, derived } = SERVICES[service];
  const defaults = schema.parse({}) as Record<string, string | number | boolean | undefined>;
  return Object.keys(schema.shape).map((name) => {
    const compute = (derived as Record<string, (() => number) | undefined>)[name];
    const value = defaults[name] ?? compute?.();
    return { name, reader: service, default: value === undefined ? '' : String(value) };
  });
}

/** `${NAME:-default}`, `${NAME-default}`, `${NAME}`: shell and Compose interpolation alike. */
function interpolations(source: string): { name: string; default: string | undefined; stated: boolean }[] {
  return [...source.matchAll(/\$\{([A-Z][A-Z0-9_]*)(:?-([^}]*))?\}/g)].map(([, name = '', form, fallback = '']) => ({
    name,
    default: fallback.includes('$') ? undefined : fallback,
    stated: form !== undefined,
  }));
}

/** The variables a Compose or stack file or the deploy script reads from the shell. */
export function deployVariables(file: string): Variable[] {
  const source = text(file);
  const passedTo = new Map<string, ServiceName>();
  if (file.endsWith('.yml')) {
    const services = (parseYaml(source, { merge: true }) as { services?: Record<string, ComposeService> }).services;
    for (const [service, spec] of Object.entries(services ?? {})) {
      if (!isService(service)) continue;
      for (const [key, value] of Object.entries(spec.environment ?? {})) {
        if (String(value).includes(`\${${key}`)) passedTo.set(key, service);
      }
    }
  }
  const seen = new Map<string, Variable>();
  for (const { name, default: fallback, stated } of interpolations(source)) {
    if (seen.has(name) && !stated) continue;
    seen.set(name, { name, reader: file, default: fallback, passedTo: passedTo.get(name) });
  }
  return [...seen.values()];
}

interface ComposeService {
  environment?: Record<string, unknown>;
}

/** The environment a Compose file gives each service, by key. */
export function composeEnvironment(file: string): Record<string, Record<string, unknown>> {
  const services = (parseYaml(text(file), { merge: true }) as { services: Record<string, ComposeService> }).services;
  return Object.fromEntries(Object.entries(services).map(([name, spec]) => [name, spec.environment ?? {}]));
}

/** Every file of the test and lab scripts that git knows, with its text. */
const labFiles = (() => {
  let cached: { file: string; text: string }[] | undefined;
  return () =>
    (cached ??= execFileSync('git', ['ls-files', '--', ...LAB_FOLDERS], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => /\.(sh|mjs|cjs|js|ts|yml)$|^\.ci\/run$/.test(file))
      .map((file) => ({ file, text: text(file) })));
})();

/** A knob of the test and lab scripts: read somewhere in them, with its literal `${NAME:-default}` if any. */
export function labVariable(name: string): Variable | undefined {
  const word = new RegExp(`\\b${name}\\b`);
  const readers = labFiles().filter(({ text: source }) => word.test(source));
  if (readers.length === 0) return undefined;
  const defaults = new Set(
    readers.flatMap(({ text: source }) =>
      interpolations(source)
        .filter((found) => found.name === name && found.stated && found.default !== undefined)
        .map((found) => found.default as string),
    ),
  );
  // One literal default everywhere can be stated; several, or none, only named.
  return { name, reader: LAB, default: defaults.size === 1 ? [...defaults][0] : undefined };
}

/** `# NAME=value` lines of .env.example. */
export function envExample(): Map<string, string> {
  return new Map(
    [...text('.env.example').matchAll(/^# ([A-Z][A-Z0-9_]*)=(\S*)/gm)].map(([, name = '', value = '']) => [
      name,
      value,
    ]),
  );
}

/** The literal values a Compose or stack file gives each service's environment, by variable. */
export function fixedValues(file: string): Map<string, Set<string>> {
  const values = new Map<string, Set<string>>();
  for (const environment of Object.values(composeEnvironment(file))) {
    for (const [name, value] of Object.entries(environment)) {
      const text = String(value);
      if (text.includes('${')) continue;
      values.set(name, (values.get(name) ?? new Set()).add(text));
    }
  }
  return values;
}
