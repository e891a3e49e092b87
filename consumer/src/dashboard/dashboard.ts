import type { StatusRoute } from '@fogpair/shared';
import type { PollHistory } from '../poll-history';
import { runDashboard } from './browser-script';
import { dashboardSnapshot } from './dashboard-model';
import type { DashboardSource } from './dashboard-model';
import { createEventStream } from './event-stream';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './page';

export interface DashboardOptions extends DashboardSource {
  history: PollHistory;
  /** Live pages at once; each holds one connection open. */
  maxClients: number;
  /** Live pages at once from one client address. */
  maxClientsPerAddress: number;
  heartbeatMs?: number;
}

export interface Dashboard {
  /** `/`, its two assets and `/events`, for the status server's route table. */
  routes: Record<string, StatusRoute>;
  /** Pushes the state after a poll to every open page. */
  pollRecorded(): void;
  /** Ends the live streams, so that the status server can close; call before closing it. */
  close(): void;
}

const DASHBOARD_JS = `'use strict';\n(${runDashboard.toString()})();\n`;

/**
 * Nothing on the page may come from elsewhere: a classroom or a Pi cluster is often offline, and the
 * policy makes the browser refuse anything but this origin.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function createDashboard({
  history,
  maxClients,
  maxClientsPerAddress,
  heartbeatMs = 15_000,
  ...source
}: DashboardOptions): Dashboard {
  const snapshot = () => dashboardSnapshot(history, source);
  const stream = createEventStream({
    initialEvent: () => ({ event: 'snapshot', data: snapshot() }),
    maxClients,
    maxClientsPerAddress,
    heartbeatMs,
  });

  return {
    routes: {
      '/': asset('text/html; charset=utf-8', DASHBOARD_HTML, { 'Content-Security-Policy': CONTENT_SECURITY_POLICY }),
      '/dashboard.css': asset('text/css; charset=utf-8', DASHBOARD_CSS),
      '/dashboard.js': asset('text/javascript; charset=utf-8', DASHBOARD_JS),
      '/events': (request, response) => stream.handle(request, response),
    },
    pollRecorded() {
      if (stream.clientCount > 0) stream.broadcast('poll', snapshot());
    },
    close() {
      stream.close();
    },
  };
}

function asset(contentType: string, body: string, headers: Record<string, string> = {}): StatusRoute {
  const bytes = Buffer.from(body, 'utf8');
  return (request, response) => {
    response.writeHead(200, {
      'Content-Type': contentType,
      'Content-Length': bytes.length,
      // The page changes with every release; revalidating costs little on a LAN.
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...headers,
    });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };
}
