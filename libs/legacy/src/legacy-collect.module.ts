import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { LegacyCollectController } from './legacy-collect.controller';

/** `POST /legacy/collect`: queues a collect-day job through the enqueue port the app hands it. */
@Module({})
export class LegacyCollectModule {
  static forApi(jobQueue: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return { module: LegacyCollectModule, imports: [jobQueue], controllers: [LegacyCollectController] };
  }
}
