/** `dadm init-config`: writes the commented default config.yaml. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DadmError } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';
import { defaultConfigYaml } from '../pipeline/index.js';
import type { Command } from './command.js';
import { stringOption } from './options.js';

export const initConfigCommand: Command = {
  name: 'init-config',
  summary: 'write a commented default config.yaml',
  description:
    'Writes every config key with its default value and a comment explaining it. Edit the copy and pass it to\n' +
    'train with --config. An existing file is kept unless --force is given; --out - prints to stdout.',
  options: [
    { name: 'out', type: 'string', value: 'FILE', description: 'where to write the config', default: 'config.yaml', stdio: 'write-text' },
    { name: 'force', type: 'boolean', short: 'f', description: 'overwrite an existing file' },
  ],
  examples: ['init-config --out config.yaml'],
  run(values, io) {
    const out = stringOption(values, 'out') ?? 'config.yaml';
    const text = defaultConfigYaml();
    if (out === '-') {
      io.stdout.write(text);
      return 0;
    }
    const existing = statSync(out, { throwIfNoEntry: false });
    if (existing?.isDirectory() === true) {
      // --force cannot help: a directory is never replaced by the config file.
      throw new DadmError(`${out}: --out must name a file (e.g. ${join(out, 'config.yaml')}), got a directory`);
    }
    if (existing !== undefined && values.force !== true) {
      throw new DadmError(`${out}: file must not exist yet (pass --force to overwrite), got an existing ${existing.isFile() ? 'file' : 'entry that is not a regular file'}`);
    }
    writeFileAtomic(out, new TextEncoder().encode(text));
    // Written paths are results: stdout, like every other command's `wrote ...` (docs/pipeline.md).
    io.stdout.write(`wrote ${out}\n`);
    return 0;
  },
};
