import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<void>;

/**
 * Extra entries of /health/ready, registered by the modules that own them (the job queue, the KRA
 * client), so monitoring needs to know none of them. Each check throws when its dependency is
 * unusable; a description is always up and only tells (which data source is in use, say).
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly descriptions = new Map<string, Record<string, string>>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  describe(name: string, details: Record<string, string>): void {
    this.descriptions.set(name, details);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks];
  }

  described(): [string, Record<string, string>][] {
    return [...this.descriptions];
  }
}
