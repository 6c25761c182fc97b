import { HomewardError } from '../core/errors.js';

/**
 * Reads a password for `homeward user add` from standard input (DESIGN.md: "password on standard
 * input"), never from the command line, where it would sit in the shell history and in `ps` for
 * every user of the Pi to read. At a terminal it prompts on stderr and does not echo; from a pipe
 * it takes the first line.
 */
const MAX_INPUT_BYTES = 64 * 1024;

export async function readPassword(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, prompt = 'Password: '): Promise<string> {
  if (!stdin.isTTY) {
    const password = await readFirstLine(stdin);
    if (password === '') throw new HomewardError('HW_USAGE', 'no password on standard input (e.g. `read -rs PW; printf "%s\\n" "$PW" | homeward user add …`)');
    return password;
  }
  // Unechoed, a typo would go unseen: ask twice.
  const password = await readHidden(stdin, stderr, prompt);
  if (password === '') throw new HomewardError('HW_USAGE', 'no password given');
  if ((await readHidden(stdin, stderr, 'Again: ')) !== password) throw new HomewardError('HW_USAGE', 'the two passwords differ; nothing was changed');
  return password;
}

async function readFirstLine(stdin: NodeJS.ReadStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > MAX_INPUT_BYTES) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').slice(0, MAX_INPUT_BYTES);
}

function readHidden(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(prompt);
    let value = '';
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const character of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (character === '\r' || character === '\n' || character === '\u0004') return finish();
        if (character === '\u0003') return finish(new HomewardError('HW_USAGE', 'cancelled'));
        if (character === '\u007f' || character === '\b') value = [...value].slice(0, -1).join('');
        else value += character;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
