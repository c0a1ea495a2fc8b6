/**
 * ApiCallRc builders for the answers services give, in LINSTOR's wording
 * ("New node 'n1' registered.", "Resource definition 'r1' modified.", ...).
 */
import {
  type ApiCallRc, Code, type CodeName, type ObjName, type OpName, isoOffsetNow, retCode,
} from '../model/apicallrc.js';

function entry(severity: 'success' | 'warn' | 'info', code: CodeName, op: OpName, obj: ObjName,
  message: string, extra: Partial<ApiCallRc> = {}): ApiCallRc {
  return { ret_code: retCode(severity, Code[code], op, obj), message, ...extra, created_at: isoOffsetNow() };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const rc = {
  /** "New {what} created." (or "registered." for nodes, resources, storage pools) */
  created(obj: ObjName, what: string, objRefs: Record<string, string>, uuid?: string, verb = 'created'): ApiCallRc {
    return entry('success', 'CREATED', 'CREATE', obj, `New ${what} ${verb}.`, {
      ...(uuid ? { details: `${capital(what)} UUID is: ${uuid}` } : {}),
      obj_refs: uuid ? { ...objRefs, UUID: uuid } : objRefs,
    });
  },
  modified(obj: ObjName, what: string, objRefs: Record<string, string>, uuid?: string): ApiCallRc {
    return entry('success', 'MODIFIED', 'MODIFY', obj, `${capital(what)} modified.`, {
      ...(uuid ? { details: `${capital(what)} UUID is: ${uuid}` } : {}),
      obj_refs: uuid ? { ...objRefs, UUID: uuid } : objRefs,
    });
  },
  deleted(obj: ObjName, what: string, objRefs: Record<string, string>, uuid?: string): ApiCallRc {
    return entry('success', 'DELETED', 'DELETE', obj, `${capital(what)} deleted.`, {
      ...(uuid ? { details: `${capital(what)} UUID was: ${uuid}` } : {}),
      obj_refs: uuid ? { ...objRefs, UUID: uuid } : objRefs,
    });
  },
  /** Deleting something that is not there: a warning, and the call still succeeds (idempotent deletes). */
  deleteMissing(obj: ObjName, what: string, objRefs: Record<string, string>): ApiCallRc {
    return entry('warn', 'WARN_NOT_FOUND', 'DELETE', obj, `${capital(what)} not found.`, {
      details: `${capital(what)} could not be deleted because it does not exist.`,
      obj_refs: objRefs,
    });
  },
  warn(code: CodeName, op: OpName, obj: ObjName, message: string, extra: Partial<ApiCallRc> = {}): ApiCallRc {
    return entry('warn', code, op, obj, message, extra);
  },
  info(code: CodeName, op: OpName, obj: ObjName, message: string, extra: Partial<ApiCallRc> = {}): ApiCallRc {
    return entry('info', code, op, obj, message, extra);
  },
  success(code: CodeName, op: OpName, obj: ObjName, message: string, extra: Partial<ApiCallRc> = {}): ApiCallRc {
    return entry('success', code, op, obj, message, extra);
  },
};
