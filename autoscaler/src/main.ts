import { createLogger, handleLifecycle, listenOrExit, loadConfigOrExit, redactUrl } from '@fogpair/shared';
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
  const address = await listenOrExit(service.server, {
    port: config.statusPort,
    host: config.statusHost,
    portVariable: 'STATUS_PORT',
    logger,
  });
  logger.info(`Status on http://${address.host}:${address.port}/status`, { port: address.port });
}

void main();
