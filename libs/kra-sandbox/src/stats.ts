/** Every call that reached a service route, faulted ones included; never the serviceKey. */

export interface CallRecord {
  at: string; // sandbox clock, ISO
  service: string; // "API214_1", or "unknown" for a wrong path
  path: string;
  params: Record<string, string>; // without serviceKey
  outcome: string; // "ok", "error:10", "gateway:22", "fault:http500" …
  status: number; // HTTP status, 0 when the connection was dropped
}

export interface SandboxStats {
  total: number;
  byService: Record<string, number>;
  /** "API214_1?meet=3&rc_date=20250523&rc_no=1": parameters sorted, serviceKey left out. */
  byRequest: Record<string, number>;
  /** The most recent calls, oldest first. */
  recent: CallRecord[];
}

const RECENT_LIMIT = 500;

export function requestKey(service: string, params: Record<string, string>): string {
  const query = Object.keys(params)
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  return query ? `${service}?${query}` : service;
}

export class StatsRecorder {
  private total = 0;
  private byService: Record<string, number> = {};
  private byRequest: Record<string, number> = {};
  private recent: CallRecord[] = [];

  record(call: Omit<CallRecord, 'outcome' | 'status'>): CallRecord {
    const record: CallRecord = { ...call, outcome: 'pending', status: 0 };
    this.total++;
    this.byService[call.service] = (this.byService[call.service] ?? 0) + 1;
    const key = requestKey(call.service, call.params);
    this.byRequest[key] = (this.byRequest[key] ?? 0) + 1;
    this.recent.push(record);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
    return record;
  }

  snapshot(): SandboxStats {
    return {
      total: this.total,
      byService: { ...this.byService },
      byRequest: { ...this.byRequest },
      recent: this.recent.map((call) => ({ ...call, params: { ...call.params } })),
    };
  }

  reset(): void {
    this.total = 0;
    this.byService = {};
    this.byRequest = {};
    this.recent = [];
  }
}
