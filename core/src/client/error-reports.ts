/** /v1/error-reports */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type { ErrorReport } from './types.js';

export interface ErrorReportFilter {
  node?: string;
  /** Epoch milliseconds. */
  since?: number;
  to?: number;
  withContent?: boolean;
  limit?: number;
  offset?: number;
}

export class ErrorReportsApi {
  constructor(private readonly t: Transport) {}

  list(filter: ErrorReportFilter = {}): Promise<ErrorReport[]> {
    return this.t.get('/v1/error-reports', { ...filter });
  }

  /** One report with its text (LINSTOR answers an array). */
  async get(id: string): Promise<ErrorReport | undefined> {
    const reply = await this.t.get<ErrorReport[] | ErrorReport>(`/v1/error-reports/${seg(id)}`, { withContent: true });
    return Array.isArray(reply) ? reply[0] : reply;
  }

  delete(id: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/error-reports/${seg(id)}`);
  }
}
