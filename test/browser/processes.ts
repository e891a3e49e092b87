import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { once } from 'node:events';
import { ServiceProcess, entryPath, serviceSpec } from '../support/service-process';
import type { Entry, ProcessSpec, ServiceName } from '../support/service-process';

/** A service process and the port it logged it listens on. */
export interface Service {
  name: string;
  process: ServiceProcess;
  port: number;
}

/** Starts a service (LOG_LEVEL=info, port 0) and resolves with the port from its first log line that names one. */
async function startListening(spec: ProcessSpec): Promise<Service> {
  const started = new ServiceProcess({ ...spec, env: { LOG_LEVEL: 'info', ...spec.env } });
  try {
    return { name: spec.name, process: started, port: await started.loggedPort() };
  } catch (error) {
    await started.stop('SIGKILL');
    throw error;
  }
}

/** A producer or consumer from the build (`entry`: the tsc output or the bundle). */
export function startService(service: ServiceName, env: Record<string, string>, entry: Entry): Promise<Service> {
  return startListening(serviceSpec(service, env, entry));
}

/** SIGTERM to this one process (by PID), SIGKILL after 5 s, and wait for it to exit. */
export async function stopService(service: Service): Promise<void> {
  await service.process.stop('SIGTERM', { killAfterMs: 5000 });
}

/** True when this machine lets us give a process its own host name (root, or user namespaces). */
export function canUseOwnHostname(): boolean {
  return spawnSync('unshare', ['--uts', 'true'], { stdio: 'ignore' }).status === 0;
}

/**
 * A producer whose host name, and so its `x-served-by`, is `hostname`: what a Swarm replica's
 * container id is. Runs in its own UTS namespace when `ownHostname` is true.
 */
export function startProducer(hostname: string, ownHostname: boolean): Promise<Service> {
  const env = { PORT: '0', HOST: '127.0.0.1' };
  return ownHostname
    ? startListening({
        name: hostname,
        command: 'unshare',
        args: ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, process.execPath, entryPath('producer')],
        env,
      })
    : startListening({ ...serviceSpec('producer', env), name: hostname });
}

/**
 * Chromium is pointed at this as its proxy: loopback goes direct, so anything that reaches here is
 * a request to the outside world, recorded and refused.
 */
export async function startTripwireProxy(): Promise<{ server: Server; port: number; attempts: string[] }> {
  const attempts: string[] = [];
  const server = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      attempts.push(chunk.toString('latin1').split('\r\n')[0] ?? '(empty)');
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return { server, port: address.port, attempts };
}
