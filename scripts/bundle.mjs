// Bundles each service into one CommonJS file (dist/<service>.cjs) with its dependencies: that one
// file is all a container image ships, and Node starts it faster than a tree of modules.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { build } from 'esbuild';

/** Shared with bench/dependency-cost.mjs, which bundles each dependency alone the same way. */
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // Whitespace and syntax only: identifiers stay, so that a stack trace in a log still names functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** A function that throws, naming what is missing: a stub fails loudly if it is ever reached. */
const missing = (what) =>
  `function () { throw new Error(${JSON.stringify(`${what} is left out of this bundle (scripts/bundle.mjs)`)}); }`;

/**
 * The entries of mime-db (the media-type database behind mime-types) for the types the producer sends:
 * it names each in full (`application/json; charset=utf-8`, Prometheus' `text/plain; …`), so Express
 * looks up no other. The whole database is 150 KB of JSON that mime-types indexes when it is loaded,
 * about a tenth of the producer's start-up (docs/performance.md).
 */
function mimeTypes(...types) {
  const db = createRequire(import.meta.url)('mime-db');
  return Object.fromEntries(
    types.map((type) => {
      if (!db[type]) throw new Error(`mime-db has no ${type}`);
      return [type, db[type]];
    }),
  );
}

/**
 * Modules the dependencies import when they are loaded but the services never use, replaced by stubs
 * (CommonJS source). Each one costs memory and start-up time at import (docs/performance.md).
 * `importer` is matched against the importing file's path, so only that import is replaced.
 */
export const UNUSED_MODULES = [
  // Express exports express.json() & co.; the producer reads no request bodies. body-parser loads
  // iconv-lite's code tables, raw-body and type-is on import.
  {
    path: /^body-parser$/,
    importer: /node_modules\/express\//,
    contents: `const parser = ${missing('body-parser (express.json, .raw, .text, .urlencoded)')};
      module.exports = { json: parser, raw: parser, text: parser, urlencoded: parser };`,
  },
  // Only the types above; any other lookup (res.type('png')) finds nothing and Express sends no type.
  {
    path: /^mime-db$/,
    importer: /node_modules\/mime-types\/index\.js$/,
    contents: `module.exports = ${JSON.stringify(mimeTypes('application/json', 'text/plain', 'text/html', 'application/octet-stream'))};`,
  },
  // Express parses query strings with node:querystring ("query parser" "simple", the default in Express 5);
  // qs (and side-channel, object-inspect, get-intrinsic, which it loads) serves only "extended".
  {
    path: /^qs$/,
    importer: /node_modules\/express\/lib\/utils\.js$/,
    contents: `module.exports = { parse: ${missing('qs (Express "query parser": "extended")')} };`,
  },
  // send and serve-static serve files (res.sendFile, res.download, express.static); the producer serves none.
  {
    path: /^send$/,
    importer: /node_modules\/express\/lib\/response\.js$/,
    contents: `module.exports = ${missing('send (res.sendFile, res.download)')};`,
  },
  {
    path: /^serve-static$/,
    importer: /node_modules\/express\/lib\/express\.js$/,
    contents: `module.exports = ${missing('serve-static (express.static)')};`,
  },
  // prom-client's Pushgateway (http, https, zlib) and cluster aggregation (cluster, child_process,
  // dgram, dns): the services are scraped, one process each.
  {
    path: /^\.\/lib\/(pushgateway|cluster)$/,
    importer: /node_modules\/prom-client\/index\.js$/,
    contents: `module.exports = ${missing('prom-client Pushgateway and AggregatorRegistry')};`,
  },
  // axios probes fetch, Request and Response when it is imported, which makes Node load undici and
  // web streams; the consumer uses the http adapter (`adapter: 'http'` in consumer/src/consumer.ts).
  // `getFetch` returning nothing makes axios say "adapter fetch is not available in the build".
  {
    path: /^\.\/fetch\.js$/,
    importer: /node_modules\/axios\/lib\/adapters\/adapters\.js$/,
    contents: 'module.exports = { getFetch: () => undefined };',
  },
  // HTTP/2 is opt-in in axios (`httpVersion: 2`); the producer speaks HTTP/1.1.
  {
    path: /^http2$/,
    importer: /node_modules\/axios\/lib\/(adapters\/http|helpers\/Http2Sessions)\.js$/,
    contents: `module.exports = { connect: ${missing('HTTP/2 (axios httpVersion: 2)')} };`,
  },
  // follow-redirects (which loads node:assert and worker_threads) serves only requests with
  // maxRedirects > 0; the consumer's polls set `maxRedirects: 0` (consumer/src/fetch-number.ts).
  {
    path: /^follow-redirects$/,
    importer: /node_modules\/axios\/lib\/adapters\/http\.js$/,
    contents: `const request = ${missing('follow-redirects (axios maxRedirects > 0)')};
      module.exports = { http: { request }, https: { request } };`,
  },
  // Proxies are off (`proxy: false` in consumer/src/consumer.ts) and no request sends a multipart form.
  {
    path: /^https-proxy-agent$/,
    importer: /node_modules\/axios\//,
    contents: `module.exports = ${missing('https-proxy-agent (axios proxy)')};`,
  },
  {
    path: /^form-data$/,
    importer: /node_modules\/axios\//,
    contents: `module.exports = ${missing('form-data (axios multipart bodies)')};`,
  },
  // The autoscaler talks to the Docker API over the unix socket: no ssh:// DOCKER_HOST (ssh2, with its
  // native add-ons), no image builds (BuildKit sessions over gRPC, protobufjs), no archives (tar-fs).
  {
    path: /^ssh2$/,
    importer: /node_modules\/docker-modem\/lib\/ssh\.js$/,
    contents: `module.exports = { Client: ${missing('ssh2 (DOCKER_HOST=ssh://…)')} };`,
  },
  {
    path: /^\.\/(session|buildkit)$/,
    importer: /node_modules\/dockerode\/lib\/docker\.js$/,
    contents: `const unused = ${missing('dockerode image builds (BuildKit session)')};
      module.exports = Object.assign(unused, { followProgress: unused });`,
  },
  {
    path: /^(tar-fs|@balena\/dockerignore)$/,
    importer: /node_modules\/dockerode\/lib\/util\.js$/,
    contents: `const unused = ${missing('dockerode archives (tar-fs, dockerignore)')};
      module.exports = Object.assign(unused, { pack: unused, default: unused });`,
  },
];

/**
 * Lines in dependencies replaced when they are bundled; the build fails if one is no longer found, so
 * that an upgrade cannot silently undo a replacement.
 */
export const SOURCE_EDITS = [
  // axios keeps the global FormData for one `instanceof` test in `isFormData`, whose fallback
  // (Object.prototype.toString gives "[object FormData]") recognises such objects all the same.
  // Reading `globalThis.FormData` makes Node load undici, web streams, worker_threads and http2:
  // +17 MB RSS, for a consumer that never sends a form.
  {
    file: /node_modules\/axios\/lib\/utils\.js$/,
    from: "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
    to: 'const FormDataCtor = undefined;',
  },
];

/**
 * esbuild plugin: resolves each import in `modules` to its stub, and applies `edits`. Records in
 * `applied` which of them took effect (`stub:<index>`, `edit:<index>`), so that the caller can fail the
 * build for one that matched nothing: after an upgrade moves a file, a stub or an edit would otherwise
 * silently stop applying and the memory it saved would come back.
 */
export function stubUnusedModules(modules = UNUSED_MODULES, edits = SOURCE_EDITS, applied = new Set()) {
  return {
    name: 'stub-unused-modules',
    setup(builder) {
      edits.forEach(({ file, from, to }, index) => {
        builder.onLoad({ filter: file }, async (args) => {
          const source = await readFile(args.path, 'utf8');
          if (!source.includes(from)) throw new Error(`${args.path} no longer contains: ${from}`);
          applied.add(`edit:${index}`);
          return { contents: source.replace(from, to), loader: 'js' };
        });
      });
      modules.forEach(({ path, importer }, index) => {
        builder.onResolve({ filter: path }, (args) => {
          if (!importer.test(args.importer)) return undefined;
          applied.add(`stub:${index}`);
          return { path: `${args.path}#${index}`, namespace: 'stub' };
        });
      });
      builder.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
        contents: modules[Number(args.path.split('#').at(-1))].contents,
        loader: 'js',
      }));
    },
  };
}

/**
 * Bundles every service. Fails if a stub or an edit applied to no bundle. `write: false` builds in
 * memory only (for tests).
 */
export async function bundleServices({ modules = UNUSED_MODULES, edits = SOURCE_EDITS, write = true } = {}) {
  const applied = new Set();
  for (const service of ['producer', 'consumer', 'autoscaler']) {
    await build({
      ...bundleOptions,
      // The TypeScript sources, not shared/dist: tsc's CommonJS output hides which exports are used, so
      // esbuild would keep all of zod (1 MB with its locales) instead of the parts the services call.
      alias: { '@fogpair/shared': fileURLToPath(new URL('../shared/src/index.ts', import.meta.url)) },
      plugins: [stubUnusedModules(modules, edits, applied)],
      entryPoints: [`${service}/src/main.ts`],
      outfile: `${service}/dist/${service}.cjs`,
      sourcemap: 'linked',
      write,
    });
  }
  const unmatched = [
    ...modules
      .filter((_, index) => !applied.has(`stub:${index}`))
      .map(({ path, importer }) => `stub ${path} from ${importer}`),
    ...edits.filter((_, index) => !applied.has(`edit:${index}`)).map(({ file }) => `edit of ${file}`),
  ];
  if (unmatched.length > 0) {
    throw new Error(
      `scripts/bundle.mjs: matched nothing in any bundle (a dependency moved or changed; update or remove it):\n  ${unmatched.join('\n  ')}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleServices();
