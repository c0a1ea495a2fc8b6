/** Which whitelist applies to a property container (LINSTOR's LinStorObject names). */
export const PROP_OBJECTS = [
  'CTRL', 'NODE', 'STOR_POOL', 'STOR_POOL_DFN', 'RSC_DFN', 'VLM_DFN', 'RSC', 'VLM', 'RSC_CONN', 'NODE_CONN',
  'SNAPSHOT', 'DRBD_PROXY',
] as const;
export type PropObject = (typeof PROP_OBJECTS)[number];

export type PropType =
  | 'regex' | 'symbol' | 'boolean' | 'boolean_true_false' | 'range' | 'range_float' | 'string'
  | 'numeric_or_symbol' | 'long';

/** One whitelisted key and the rule its value must follow. */
export interface PropRule {
  key: string;
  type: PropType;
  /** regex: the pattern; symbol: allowed values; numeric_or_symbol: the symbols */
  pattern?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  dflt?: string;
  unit?: string;
  info?: string;
  /** Only the controller sets it; clients may read but not write. */
  internal?: boolean;
  /** Still accepted, but setting it should answer WARN_DEPRECATED. */
  deprecated?: boolean;
}

/** The `properties/info` wire entry. */
export interface PropsInfo {
  info?: string;
  prop_type: PropType;
  value?: string;
  dflt?: string;
  unit?: string;
}
