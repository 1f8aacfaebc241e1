import { fieldProblems, JOB_KIND, JobKind } from '@app/common';
import { BadRequestException, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/**
 * Every job kind of the app: the providers marked with `@RegisterJobKind()`, found once at start.
 * A feature registers a kind by providing its handler in a module the app imports.
 */
/** As the `jobs.type` column requires. */
const KIND_NAME = /^[a-z][a-z0-9-]{0,39}$/;

@Injectable()
export class JobKinds implements OnModuleInit {
  private readonly kinds = new Map<string, JobKind>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.metatype || !instance || !Reflect.getMetadata(JOB_KIND, wrapper.metatype)) continue;
      const kind = instance as JobKind;
      if (!KIND_NAME.test(kind.kind))
        throw new Error(`Job kind "${kind.kind}" is not a valid name (${KIND_NAME.source})`);
      const known = this.kinds.get(kind.kind);
      if (known && known !== kind) throw new Error(`Two handlers for the job kind ${kind.kind}`);
      this.kinds.set(kind.kind, kind);
    }
  }

  get names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  find(name: string): JobKind | undefined {
    return this.kinds.get(name);
  }

  /** The kind, or a 400 naming `field` when this app has no such kind. */
  get(name: string, field = 'type'): JobKind {
    const kind = this.kinds.get(name);
    if (!kind)
      throw new BadRequestException({
        message: 'Validation failed',
        details: [{ field, reason: `${field} must be one of the following values: ${this.names.join(', ')}` }],
      });
    return kind;
  }

  /** The params, checked against the kind's payload class: a 400 naming each offending field. */
  validate(kind: JobKind, params: unknown): void {
    const payload = plainToInstance(kind.payload, params) as object;
    const errors = validateSync(payload, {
      whitelist: true,
      forbidNonWhitelisted: true,
      validationError: { target: false, value: false },
    });
    if (errors.length > 0)
      throw new BadRequestException({ message: 'Validation failed', details: fieldProblems(errors, 'params') });
  }
}
