import { KraResultCode, KraServiceName } from '@app/kra-client';
import { kstDateOf } from '@app/calendar';
import { ResponseFormat } from './envelope';
import { Rng } from './random';

/**
 * Injected failures per service. Precedence for each call: forced gateway error, then the daily
 * quota, then the failNext queue, then the random rates.
 */

export const FAULT_KINDS = [
  'http500',
  'http503',
  'timeout',
  'reset',
  'code01',
  'code03',
  'code99',
  'plainText',
  'html',
  'emptyPage',
  'pass',
] as const;
/**
 * emptyPage: a normal answer with no rows but the query's real totalCount (a page lost by the
 * gateway); pass: a normal answer (lets failNext reach a later call, e.g. page 2).
 * http500/http503: that HTTP status with an HTML body; timeout: never answer (the socket is
 * destroyed after the hold time); reset: destroy the connection; code01/03/99: service error in
 * the envelope; plainText: "SERVICE ERROR - HTTP ROUTING ERROR" (200); html: an HTML error page (502).
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export type GatewayErrorStatus = 200 | 401 | 403 | 429;

export interface GatewayErrorFault {
  code: KraResultCode;
  status?: GatewayErrorStatus; // default 200
  format?: ResponseFormat; // default xml, as the real gateway
}

export interface ServiceFaults {
  latencyMs?: number;
  jitterMs?: number;
  /** Probability (0–1) per call of each fault kind. */
  rates?: Partial<Record<FaultKind, number>>;
  /** Every call answers this gateway error until cleared with null. */
  gatewayError?: GatewayErrorFault | null;
  /** Calls per KST day before code 22 (default: the sandbox's dailyQuota). */
  dailyQuota?: number;
  /** How the quota error is sent: default HTTP 200, XML. */
  quotaError?: { status?: GatewayErrorStatus; format?: ResponseFormat };
}

export type FaultTarget = KraServiceName | '*';

export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'gateway'; latencyMs: number; code: KraResultCode; status: GatewayErrorStatus; format: ResponseFormat }
  | { kind: 'fault'; latencyMs: number; fault: FaultKind };

export const DEFAULT_DAILY_QUOTA = 10_000;

export class FaultController {
  private readonly faults = new Map<KraServiceName, ServiceFaults>();
  private readonly queues = new Map<KraServiceName, FaultKind[]>();
  private readonly quotaUse = new Map<KraServiceName, { day: string; used: number }>();
  private readonly rng: Rng;

  constructor(
    private readonly services: readonly KraServiceName[],
    private readonly defaultQuota: number,
    seed: string,
  ) {
    this.rng = new Rng(seed, 'faults');
  }

  /** Shallow-merges into the service's faults; null clears them (back to the defaults). */
  set(target: FaultTarget, faults: ServiceFaults | null): void {
    for (const service of this.targets(target)) {
      this.faults.set(service, faults === null ? {} : { ...this.faults.get(service), ...faults });
    }
  }

  get(service: KraServiceName): ServiceFaults {
    return this.faults.get(service) ?? {};
  }

  /** The next calls of the service fail with these kinds, in order, one per call. */
  failNext(target: FaultTarget, kinds: FaultKind[]): void {
    for (const service of this.targets(target))
      this.queues.set(service, [...(this.queues.get(service) ?? []), ...kinds]);
  }

  /** Clears the queues and quota counters (configured faults stay). */
  reset(): void {
    this.queues.clear();
    this.quotaUse.clear();
  }

  quota(service: KraServiceName, now: Date): { day: string; used: number; limit: number } {
    const day = kstDateOf(now);
    const use = this.quotaUse.get(service);
    return { day, used: use?.day === day ? use.used : 0, limit: this.get(service).dailyQuota ?? this.defaultQuota };
  }

  decide(service: KraServiceName, now: Date): FaultDecision {
    const faults = this.get(service);
    const latencyMs = Math.max(0, (faults.latencyMs ?? 0) + (faults.jitterMs ? this.rng.float(0, faults.jitterMs) : 0));
    if (faults.gatewayError) {
      const { code, status = 200, format = 'xml' } = faults.gatewayError;
      return { kind: 'gateway', latencyMs, code, status, format };
    }
    if (!this.consumeQuota(service, now)) {
      return {
        kind: 'gateway',
        latencyMs,
        code: '22',
        status: faults.quotaError?.status ?? 200,
        format: faults.quotaError?.format ?? 'xml',
      };
    }
    const queued = this.queues.get(service)?.shift();
    if (queued) return { kind: 'fault', latencyMs, fault: queued };
    for (const kind of FAULT_KINDS) {
      const rate = faults.rates?.[kind] ?? 0;
      if (rate > 0 && this.rng.chance(rate)) return { kind: 'fault', latencyMs, fault: kind };
    }
    return { kind: 'none', latencyMs };
  }

  /** Counts the call against the KST day's quota; false once the quota is used up. */
  private consumeQuota(service: KraServiceName, now: Date): boolean {
    const { day, used, limit } = this.quota(service, now);
    if (used >= limit) return false;
    this.quotaUse.set(service, { day, used: used + 1 });
    return true;
  }

  private targets(target: FaultTarget): readonly KraServiceName[] {
    return target === '*' ? this.services : [target];
  }
}

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);
}
