import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** One measured scenario. */
export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Responses outside 2xx plus socket errors and timeouts. */
  errors: number;
  /** Highest resident set size of the server process while it ran (MB), when a pid was given. */
  rssMb?: number;
}

export interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  method?: 'GET' | 'POST' | 'PATCH';
  headers?: Record<string, string>;
  body?: string;
  /** Varies each request: returns the path (and optionally the body) of the next one. */
  next?: () => { path: string; body?: string };
  /** Fixed request rate over all connections, instead of as fast as possible. */
  overallRate?: number;
  /** Server process to sample RSS from. */
  pid?: number;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 200 ms until stopped; resolves with the peak in MB. */
export function sampleRss(pid: number | undefined): { stop(): number } {
  if (!pid) return { stop: () => 0 };
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

/** Drives the server with autocannon over loopback (HTTP/1.1 keep-alive, `connections` sockets). */
export async function load(opts: LoadOptions): Promise<Measured> {
  const rss = sampleRss(opts.pid);
  const headers = { 'content-type': 'application/json', ...opts.headers };
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    method: opts.method ?? 'GET',
    headers,
    ...(opts.body === undefined ? {} : { body: opts.body }),
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    ...(opts.next
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => {
                const n = opts.next!();
                return { ...req, path: n.path, ...(n.body === undefined ? {} : { body: n.body }) };
              },
            },
          ],
        }
      : {}),
  });
  const peak = rss.stop();
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.non2xx + result.errors + result.timeouts,
    ...(opts.pid ? { rssMb: peak } : {}),
  };
}
