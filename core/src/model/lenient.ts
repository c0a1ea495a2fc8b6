/**
 * Lenient input parsing: real LINSTOR clients send numbers as strings ("3"), null for absent optional
 * fields, enum values in any case and unknown fields (z.object strips those). These helpers accept all
 * of that and hand the services clean values; `null` always means "not given".
 */
import { z } from 'zod';

/** Real clients send null for "not given"; every optional field treats it as absent. */
export const nullToUndefined = (v: unknown) => (v === null ? undefined : v);

export const optString = () => z.preprocess(nullToUndefined, z.string().optional());

export const optInt = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => {
      if (v === null || v === '') return undefined;
      if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
      return v;
    },
    z.number().int().min(min).max(max).optional(),
  );

export const optNumber = () =>
  z.preprocess(
    (v) => (v === null || v === '' ? undefined : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : v),
    z.number().optional(),
  );

export function toBool(v: unknown): unknown {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === 'yes' || s === '1') return true;
    if (s === 'false' || s === 'no' || s === '0') return false;
  }
  return v;
}

export const optBool = () => z.preprocess((v) => (v === null ? undefined : toBool(v)), z.boolean().optional());

export const optStringList = () =>
  z.preprocess((v) => (v === null ? undefined : typeof v === 'string' ? [v] : v), z.array(z.string()).optional());

/** An enum whose values arrive in any case and are stored upper-case. */
export const upperEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values));

/** A property map: values arrive as strings, numbers or booleans and are stored as strings. */
export const propsMap = () =>
  z.preprocess(
    nullToUndefined,
    z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)))
      .optional(),
  );

/** The generic property change body: `override_props`, `delete_props`, `delete_namespaces`. */
export const PropsModifyFields = {
  override_props: propsMap(),
  delete_props: optStringList(),
  delete_namespaces: optStringList(),
};
export const PropsModify = z.object(PropsModifyFields);
export type PropsModify = z.infer<typeof PropsModify>;
