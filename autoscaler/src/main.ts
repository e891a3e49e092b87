import { createLogger, handleLifecycle, listen, loadConfigOrExit, redactUrl } from '@fogpair/shared';
import { parseAutoscalerConfig } from './config';
import { createAutoscalerService } from './service';

/** The edge: the environment, the status port and the signals. Everything else is createAutoscalerService(). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(parseAutoscalerConfig);
  const logger = createLogger({ service: 'autoscaler', level: config.logLevel, format: config.logFormat });
  const service = createAutoscalerService({ config, logger });

  handleLifecycle({ logger, timeoutMs: config.shutdownTimeoutMs, stop: () => service.stop() });

  logger.info(
    `Autoscaler evaluating every ${config.evaluationIntervalMs} ms${config.dryRun ? ' (DRY_RUN: deciding, not scaling)' : ''}`,
    {
      prometheus: redactUrl(config.prometheusUrl),
      dockerSocket: config.dockerSocket,
      tolerance: config.tolerance,
      scaleDownWindowMs: config.scaleDownWindowMs,
      scaleUpMaxStep: config.scaleUpMaxStep,
      rateWindow: config.rateWindow,
      node: process.version,
    },
  );
  service.start();
  const address = await listen(service.server, config.statusPort, config.statusHost).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    logger.error(`Cannot listen on ${config.statusHost}:${config.statusPort}: ${code ?? String(error)}`, {
      hint: code === 'EADDRINUSE' ? 'another process uses this port; set STATUS_PORT' : undefined,
    });
    process.exit(1);
  });
  logger.info(`Status on http://${address.host}:${address.port}/status`, { port: address.port });
}

void main();
