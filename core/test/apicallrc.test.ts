import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_CALL_PARSE_ERROR, Code, codeOf, isError, retCode, severityOf, toSigned64, withContext } from '../src/model/apicallrc.js';
import { parseJson, stringifyJson } from '../src/model/json.js';

test('ret_codes match the 64-bit values LINSTOR puts on the wire', () => {
  assert.equal(retCode('success', Code.CREATED, 'CREATE', 'NODE'), 20709377n);
  assert.equal(retCode('success', Code.CREATED, 'CREATE', 'RSC_DFN'), 20447233n);
  assert.equal(retCode('success', Code.MODIFIED, 'MODIFY', 'RSC_DFN'), 37224451n);
  assert.equal(retCode('success', Code.DELETED, 'DELETE', 'RSC_DFN'), 54001666n);
  assert.equal(retCode('success', Code.CREATED, 'CREATE', 'CTRL_CONF'), 17825793n);
  assert.equal(retCode('error', Code.FAIL_NOT_FOUND_NODE), -4611686018427387604n);
  assert.equal(retCode('error', Code.FAIL_EXISTS_RSC_DFN, 'CREATE', 'RSC_DFN'), -4611686018406940171n);
  assert.equal(retCode('error', Code.FAIL_INVLD_PROP, 'MODIFY', 'RSC_DFN'), -4611686018390163243n);
  assert.equal(retCode('warn', Code.WARN_NOT_FOUND, 'DELETE', 'RSC_DFN'), -9223372036800771144n);
  assert.equal(retCode('info', Code.INFO_NO_RSC_SPAWNED, 'CREATE', 'RSC_GRP'), 4611686018448631568n);
  assert.equal(API_CALL_PARSE_ERROR, toSigned64(0xcffffffffffffffdn));
  assert.equal(API_CALL_PARSE_ERROR, -3458764513820540931n);
});

test('context bits are added only where the entry has none', () => {
  const bare = retCode('error', Code.FAIL_NOT_FOUND_NODE);
  assert.equal(withContext(bare, 'CREATE', 'RSC'), retCode('error', Code.FAIL_NOT_FOUND_NODE, 'CREATE', 'RSC'));
  const own = retCode('error', Code.FAIL_NOT_FOUND_NODE, 'MODIFY', 'NODE');
  assert.equal(withContext(own, 'CREATE', 'RSC'), own);
});

test('severity and code decode like python-linstor and golinstor do', () => {
  const rc = -4611686018406940171n;
  assert.equal(severityOf(rc), 'error');
  assert.equal(isError(rc), true);
  assert.equal(codeOf(rc), 501);
  assert.equal(severityOf(-9223372036800771144n), 'warn');
  assert.equal(severityOf(4611686018448631568n), 'info');
  assert.equal(severityOf(20709377n), 'success');
});

test('JSON keeps 64-bit integers exact in both directions', () => {
  const text = stringifyJson([{ ret_code: -4611686018427387604n, free_capacity: 9223372036854775807n, n: 5, s: 'x' }]);
  assert.equal(text, '[{"ret_code":-4611686018427387604,"free_capacity":9223372036854775807,"n":5,"s":"x"}]');
  const back = parseJson(text) as Array<Record<string, unknown>>;
  assert.equal(back[0].ret_code, -4611686018427387604n);
  assert.equal(back[0].free_capacity, 9223372036854775807n);
  assert.equal(back[0].n, 5);
  // digits inside strings are left alone
  assert.deepEqual(parseJson('{"a":"12345678901234567890","b":1.5e300}'), { a: '12345678901234567890', b: 1.5e300 });
});
