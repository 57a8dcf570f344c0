import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that accepts everything and parses nothing but the Message-ID header, recording when
 * each message was accepted: the far end of the email scenarios.
 */
export interface CountingSink {
  url: string;
  received: Map<string, number>;
  close(): Promise<void>;
}

export async function startCountingSink(): Promise<CountingSink> {
  const received = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      let head = '';
      let found = false;
      stream.on('data', (chunk: Buffer) => {
        if (found || head.length > 8192) return;
        head += chunk.toString('latin1');
        const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head);
        if (m) {
          found = true;
          received.set(m[1]!, Date.now());
        }
      });
      stream.on('end', () => cb());
    },
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
