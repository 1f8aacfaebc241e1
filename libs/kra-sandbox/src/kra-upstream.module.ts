import { APP_CONFIG, AppConfig } from '@app/config';
import { KRA_UPSTREAM, KraUpstream } from '@app/kra-client';
import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { createKraSandbox, KraSandbox } from './sandbox.server';

export const KRA_GATEWAY_URL = 'https://apis.data.go.kr/B551015';
const SANDBOX = Symbol('KRA_SANDBOX');
/** Any non-empty key passes a sandbox that was started without a key list. */
const SANDBOX_SERVICE_KEY = 'sandbox-service-key';

/**
 * Decides where KRA calls go: the real gateway when KRA_SERVICE_KEY is set; otherwise the sandbox,
 * at KRA_BASE_URL when that is set, or started in this process so a fresh clone works without a key.
 */
async function resolveUpstream(
  config: AppConfig,
  logger: Logger,
): Promise<{ upstream: KraUpstream; sandbox: KraSandbox | null }> {
  const { serviceKey, baseUrl, sandboxSeed, sandboxWorld, sandboxWorldStart } = config.kra;
  if (serviceKey) return { upstream: { mode: 'live', baseUrl: baseUrl ?? KRA_GATEWAY_URL, serviceKey }, sandbox: null };
  if (baseUrl) {
    logger.warn(`KRA_SERVICE_KEY is not set: using the KRA sandbox at ${baseUrl}. Race data is simulated.`);
    return { upstream: { mode: 'sandbox', baseUrl, serviceKey: SANDBOX_SERVICE_KEY }, sandbox: null };
  }
  const sandbox = await createKraSandbox({ seed: sandboxSeed, world: sandboxWorld, worldStart: sandboxWorldStart });
  const url = await sandbox.listen(0, '127.0.0.1');
  logger.warn(`KRA_SERVICE_KEY is not set: started the KRA sandbox in this process at ${url}. Race data is simulated.`);
  return { upstream: { mode: 'sandbox', baseUrl: url, serviceKey: SANDBOX_SERVICE_KEY }, sandbox };
}

@Injectable()
class SandboxLifecycle implements OnApplicationShutdown {
  constructor(@Optional() @Inject(SANDBOX) private readonly resolved?: { sandbox: KraSandbox | null }) {}

  async onApplicationShutdown(): Promise<void> {
    await this.resolved?.sandbox?.close();
  }
}

@Module({})
export class KraUpstreamModule {
  static forRoot(): DynamicModule {
    return {
      module: KraUpstreamModule,
      providers: [
        {
          provide: SANDBOX,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => resolveUpstream(config, new Logger('KraUpstream')),
        },
        {
          provide: KRA_UPSTREAM,
          inject: [SANDBOX],
          useFactory: (resolved: { upstream: KraUpstream }) => resolved.upstream,
        },
        SandboxLifecycle,
      ],
      exports: [KRA_UPSTREAM],
    };
  }
}
