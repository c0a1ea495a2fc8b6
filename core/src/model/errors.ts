/**
 * The one error family. Every refusal the controller makes is a StorhubError carrying a LINSTOR code;
 * the API's error handler turns it into an ApiCallRc list and the HTTP status LINSTOR would use.
 */
import { Code, type CodeName, type ObjName, type OpName, retCode, type ApiCallRc, isoOffsetNow } from './apicallrc.js';

export interface StorhubErrorDetails {
  cause?: string;
  details?: string;
  correction?: string;
  objRefs?: Record<string, string>;
  /** Set when the error has its own object bits (e.g. a missing node while creating a resource). */
  obj?: ObjName;
  op?: OpName;
}

export class StorhubError extends Error {
  readonly code: CodeName;
  readonly info: StorhubErrorDetails;

  constructor(code: CodeName, message: string, info: StorhubErrorDetails = {}) {
    super(message);
    this.name = 'StorhubError';
    this.code = code;
    this.info = info;
  }

  /** HTTP status as LINSTOR maps the first error entry: 3xx codes are 404, 4xx are 403, the rest 500. */
  get httpStatus(): number {
    return httpStatusForCode(Code[this.code]);
  }

  toApiCallRc(op?: OpName, obj?: ObjName): ApiCallRc {
    const rc: ApiCallRc = {
      ret_code: retCode('error', Code[this.code], this.info.op ?? op, this.info.obj ?? obj),
      message: this.message,
    };
    if (this.info.cause) rc.cause = this.info.cause;
    if (this.info.details) rc.details = this.info.details;
    if (this.info.correction) rc.correction = this.info.correction;
    if (this.info.objRefs && Object.keys(this.info.objRefs).length) rc.obj_refs = this.info.objRefs;
    rc.created_at = isoOffsetNow();
    return rc;
  }
}

export function httpStatusForCode(code: number): number {
  if (code >= 300 && code < 400) return 404;
  if (code >= 400 && code < 500) return 403;
  return 500;
}

/** Shorthands for the errors every service raises. */
export const notFound = (code: CodeName, message: string, info?: StorhubErrorDetails) =>
  new StorhubError(code, message, info);

export const invalid = (code: CodeName, message: string, info?: StorhubErrorDetails) =>
  new StorhubError(code, message, info);
